package io.portcullis.gateway.backend;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** One pooled client for every backend call ({@link UpstreamClient}). */
@Configuration(proxyBeanMethods = false)
class UpstreamClientConfiguration {

    @Bean(destroyMethod = "close")
    UpstreamClient upstreamClient(UpstreamProperties properties) {
        return switch (properties.client()) {
            case NETTY -> new NettyUpstreamClient(properties);
            case APACHE -> new ApacheUpstreamClient(properties);
        };
    }
}
