package io.portcullis.gateway.backend;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.gateway.NettyEventLoops;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** One pooled client for every backend call ({@link UpstreamClient}). */
@Configuration(proxyBeanMethods = false)
class UpstreamClientConfiguration {

    /** {@code portcullis_upstream_connections{state}}: the pool ops size {@code gateway.upstream.max-connections} by. */
    static final String CONNECTIONS = "portcullis.upstream.connections";

    @Bean(destroyMethod = "close")
    UpstreamClient upstreamClient(UpstreamProperties properties, NettyEventLoops loops,
                                  ObjectProvider<MeterRegistry> registry) {
        UpstreamClient client = switch (properties.client()) {
            case NETTY -> new NettyUpstreamClient(properties, loops);
            case APACHE -> new ApacheUpstreamClient(properties);
        };
        registry.ifAvailable(meters -> {
            String description = "Connections to backends open now (in use or idle), at most gateway.upstream.max-connections";
            Gauge.builder(CONNECTIONS, client, UpstreamClient::openConnections).tag("state", "open")
                    .description(description).register(meters);
            Gauge.builder(CONNECTIONS, client, UpstreamClient::idleConnections).tag("state", "idle")
                    .description(description).register(meters);
        });
        return client;
    }
}
