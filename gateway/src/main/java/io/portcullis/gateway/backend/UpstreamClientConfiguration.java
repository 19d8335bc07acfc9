package io.portcullis.gateway.backend;

import io.portcullis.gateway.GatewayProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** One pooled client for every backend call ({@link UpstreamClient}). */
@Configuration(proxyBeanMethods = false)
class UpstreamClientConfiguration {

    @Bean(destroyMethod = "close")
    UpstreamClient upstreamClient(GatewayProperties properties) {
        return new UpstreamClient(properties.upstream());
    }
}
