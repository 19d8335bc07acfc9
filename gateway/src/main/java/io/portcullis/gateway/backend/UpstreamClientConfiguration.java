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
    /** {@code portcullis_upstream_http2_connections}: how many sockets the backends' HTTP/2 streams share. */
    static final String HTTP2_CONNECTIONS = "portcullis.upstream.http2.connections";

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
            Gauge.builder(HTTP2_CONNECTIONS, client, UpstreamClient::http2Connections)
                    .description("HTTP/2 connections to backends open now (gateway.upstream.http2-hosts), each carrying"
                            + " up to 256 calls as streams; the streams count among portcullis_upstream_connections")
                    .register(meters);
        });
        return client;
    }
}
