package io.portcullis.gateway.dataplane;

import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.gateway.NettyEventLoops;
import io.portcullis.gateway.proxy.ClientApi;
import io.portcullis.gateway.web.ClientExchange;
import io.portcullis.gateway.web.ControlPlaneListener;
import io.portcullis.gateway.web.QueueingDelay;
import io.portcullis.gateway.web.RelaySecret;
import io.portcullis.gateway.web.SheddingProperties;
import io.portcullis.gateway.web.TrustedProxies;
import io.portcullis.policy.Cidr;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.unit.DataSize;

/**
 * The data plane's beans, only with {@code gateway.data-plane.enabled=true}: without it nothing
 * here exists and Tomcat keeps the public port.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = DataPlaneProperties.PREFIX + ".enabled", matchIfMissing = true)
class DataPlaneConfiguration {

    @Bean
    ControlPlaneAddress controlPlaneAddress() {
        return new ControlPlaneAddress();
    }

    /** The client API's request path ({@code proxy.ClientApi}), served on the data plane's virtual threads. */
    @Bean
    ClientApiHandler clientApiHandler(ClientApi api) {
        return new ClientApiHandler() {
            @Override
            public boolean serves(String path) {
                return api.serves(path);
            }

            @Override
            public void serve(ClientExchange exchange) throws IOException {
                api.serve(exchange);
            }

            @Override
            public void shedOnArrival(ClientExchange exchange) throws IOException {
                api.shedOnArrival(exchange);
            }
        };
    }

    /** Everything else (admin API, console, actuator, {@code /v1/models}, {@code /v1/me}) goes to Tomcat. */
    @Bean
    ControlPlaneRelay controlPlaneRelay(ControlPlaneAddress address, RelaySecret secret,
                                        ObjectProvider<MeterRegistry> registry) {
        MeterRegistry meters = registry.getIfAvailable();
        return meters == null ? new ControlPlaneRelay(address, secret) : new ControlPlaneRelay(address::address, secret, meters);
    }

    /** Tomcat moves to an ephemeral loopback port: only the data plane (its relay) reaches it. */
    @Bean
    WebServerFactoryCustomizer<ConfigurableWebServerFactory> controlPlaneOnLoopback() {
        return new LoopbackCustomizer();
    }

    /**
     * With {@code gateway.data-plane.control-plane-port}, Tomcat also listens there, on
     * {@code server.address}, for admins: the public port then relays only the client API.
     */
    @Bean
    @ConditionalOnExpression("${" + DataPlaneProperties.PREFIX + ".control-plane-port:0} > 0")
    ControlPlaneListener controlPlaneListener(DataPlaneProperties properties, ConfigurableEnvironment environment) {
        Binder binder = Binder.get(environment);
        return new ControlPlaneListener(binder.bind("server.address", InetAddress.class).orElse(null),
                properties.controlPlanePort(), headBytes(binder));
    }

    @Bean
    DataPlaneServer dataPlaneServer(DataPlaneProperties properties, ConfigurableEnvironment environment,
                                    ObjectProvider<ClientApiHandler> clientApi, ObjectProvider<Route> fallback,
                                    ControlPlaneAddress controlPlane, SheddingProperties shedding,
                                    QueueingDelay queueing, NettyEventLoops loops,
                                    ObjectProvider<MeterRegistry> registry) {
        Binder binder = Binder.get(environment);
        InetAddress address = binder.bind("server.address", InetAddress.class).orElse(null);
        int port = binder.bind("server.port", Integer.class).orElse(8080);
        Duration stopTimeout = binder.bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
                .orElse(Duration.ofSeconds(30));
        List<Cidr> trusted = TrustedProxies.of(environment);
        var handler = clientApi.getIfAvailable();
        var settings = new DataPlaneServer.Settings(properties,
                address == null ? new InetSocketAddress(port) : new InetSocketAddress(address, port),
                headBytes(binder), new ClientAddress(trusted),
                handler == null ? null
                        : new ClientApiRoute(handler, properties, shedding.enabled() ? queueing : null),
                publicFallback(properties, fallback.getIfAvailable(NotFoundRoute::new)), stopTimeout.toNanos());
        // by default on the loops the upstream client reads answers on (NettyEventLoops says why)
        var server = new DataPlaneServer(settings, controlPlane, environment,
                properties.eventLoops() == 0 ? loops : null);
        registry.ifAvailable(server::bindMetrics);
        return server;
    }

    /** Off the client API, the public port relays everything, or with a control-plane port of its own only {@code /v1/...}. */
    private static Route publicFallback(DataPlaneProperties properties, Route relay) {
        return properties.separateControlPlane() ? new ClientPathsOnly(relay, new NotFoundRoute()) : relay;
    }

    private static int headBytes(Binder binder) {
        long bytes = binder.bind("server.max-http-request-header-size", DataSize.class)
                .orElse(DataSize.ofKilobytes(8)).toBytes();
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    /** Runs after Boot's own customizers, which apply {@code server.address} and {@code server.port}. */
    private static final class LoopbackCustomizer
            implements WebServerFactoryCustomizer<ConfigurableWebServerFactory>, Ordered {

        @Override
        public void customize(ConfigurableWebServerFactory factory) {
            factory.setAddress(InetAddress.getLoopbackAddress());
            factory.setPort(0);
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }
}
