package io.portcullis.gateway.web;

import java.time.Duration;
import java.util.ArrayList;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardHost;
import org.apache.coyote.http11.Http11NioProtocol;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.tomcat.autoconfigure.TomcatServerProperties;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Tomcat settings that cannot be expressed as properties. */
@Configuration(proxyBeanMethods = false)
class ServerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ServerConfiguration.class);

    /** A request Spring Security's firewall refuses before any controller is a 400 in the contract's shape. */
    @Bean
    org.springframework.security.web.firewall.RequestRejectedHandler requestRejectedHandler() {
        return (request, response, e) -> ErrorWriter.write(response,
                ApiError.invalidRequest("Malformed request: " + "refused by the request firewall", null));
    }

    /**
     * 4 KB socket read and write buffers per connection instead of 8 KB: a gateway holds thousands
     * of mostly idle streams, each keeping its connection's buffers for its whole life, and SSE
     * events are small (larger writes bypass the buffer). Measured in docs/performance.md.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> smallSocketBuffers() {
        return factory -> factory.addConnectorCustomizers(ServerConfiguration::useSmallSocketBuffers);
    }

    private static void useSmallSocketBuffers(Connector connector) {
        connector.setProperty("socket.appReadBufSize", "4096");
        connector.setProperty("socket.appWriteBufSize", "4096");
    }

    /**
     * The connector without Tomcat's per-processor registration lock ({@link GatewayHttp11NioProtocol}).
     * How many request processors it keeps follows {@code gateway.max-concurrent-requests}, which
     * the client API owns (proxy's {@code InFlightRequests}).
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> gatewayProtocol() {
        return factory -> factory.setProtocol(GatewayHttp11NioProtocol.class.getName());
    }

    /** The wait for a thread, measured by the connector and read by the client API before it serves. */
    @Bean
    QueueingDelay queueingDelay(SheddingProperties properties) {
        return new QueueingDelay(properties.target(), properties.interval(), System.nanoTime());
    }

    /**
     * Times the connector's dispatches when shedding is on; off, the executor is left unwrapped in
     * effect (nothing is timed or recorded), so {@link QueueingDelay} never reports a queue.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> queueingMeasurement(SheddingProperties properties,
                                                                                   QueueingDelay queueing) {
        return factory -> factory.addConnectorCustomizers(connector -> {
            if (properties.enabled() && connector.getProtocolHandler() instanceof GatewayHttp11NioProtocol protocol) {
                protocol.measureQueueing(queueing);
            }
        });
    }

    /** Even errors Tomcat answers itself use the contract's JSON error shape. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonErrorReports() {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(JsonErrorReportValve.class.getName());
            }
        });
    }

    /**
     * Installs {@link RelayedClientValve} first among the engine's valves, ahead of the
     * {@code RemoteIpValve} Spring Boot adds for trusted proxies, so a relayed request's client is
     * settled before anything reads it. Ordered last among customizers: the others add their valves
     * first, and this one then puts its valve in front of them all.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> relayedClientAddress(RelaySecret secret) {
        return new RelayedClientCustomizer(secret);
    }

    /** A class rather than a lambda, so that its order is seen by the customizer post-processor. */
    private record RelayedClientCustomizer(RelaySecret secret)
            implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {

        @Override
        public void customize(TomcatServletWebServerFactory factory) {
            var valves = new ArrayList<Valve>();
            valves.add(new RelayedClientValve(secret));
            valves.addAll(factory.getEngineValves());
            factory.setEngineValves(valves);
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }

    /**
     * The control plane's own port, when the data plane gives it one ({@link ControlPlaneListener}):
     * an extra connector beside the main one, which stays the relay's loopback listener (its port
     * is the one the relay learns). Plain Tomcat HTTP/1.1 with the public port's head limit and
     * body timeout; the engine's valves (the relay check, trusted proxies) apply to both.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> controlPlaneConnector(
            ObjectProvider<ControlPlaneListener> listener, TomcatServerProperties tomcat) {
        return factory -> listener.ifAvailable(own -> {
            var connector = new Connector(Http11NioProtocol.class.getName());
            connector.setPort(own.port());
            if (own.address() != null) {
                connector.setProperty("address", own.address().getHostAddress());
            }
            connector.setProperty("maxHttpRequestHeaderSize", Integer.toString(own.maxHeaderBytes()));
            Duration timeout = tomcat.getConnectionTimeout();
            if (timeout != null) {
                connector.setProperty("connectionTimeout", Long.toString(timeout.toMillis()));
            }
            useSmallSocketBuffers(connector);
            factory.addAdditionalConnectors(connector);
        });
    }

    /**
     * Says at start whose forwarding headers are believed; the settings themselves are made by
     * {@link TrustedProxies} before the server is configured.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> clientAddressReport(Environment environment) {
        return factory -> {
            String proxies = environment.getProperty(TrustedProxies.INTERNAL_PROXIES, "");
            if (proxies.isEmpty()) {
                log.info("Client address: the TCP peer; X-Forwarded-For and Forwarded are ignored"
                        + " (no {})", TrustedProxies.PROPERTY);
            } else {
                log.info("Client address: the right-most X-Forwarded-For hop outside {} when the peer is"
                        + " one of them, else the peer", proxies);
            }
        };
    }
}
