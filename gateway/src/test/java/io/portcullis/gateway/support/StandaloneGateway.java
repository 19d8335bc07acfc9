package io.portcullis.gateway.support;

import io.portcullis.gateway.PortcullisApplication;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A gateway started by the test itself (not by the Spring test framework), for scenarios that
 * need several instances, a database the test controls, or a real shutdown.
 */
public final class StandaloneGateway implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    private StandaloneGateway(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /** Starts a gateway on a random port against {@code jdbcUrl}, with extra properties on top. */
    public static StandaloneGateway start(String jdbcUrl, Map<String, String> extra) {
        return start(jdbcUrl, extra, java.util.Set.of());
    }

    /** As {@link #start(String, Map)}, leaving out some of the shared test properties. */
    public static StandaloneGateway start(String jdbcUrl, Map<String, String> extra, java.util.Set<String> without) {
        var properties = TestGateway.properties();
        properties.keySet().removeAll(without);
        properties.put("spring.datasource.url", jdbcUrl);
        properties.put("spring.datasource.username", "postgres");
        properties.put("server.port", "0");
        properties.putAll(extra);
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        return new StandaloneGateway(new SpringApplicationBuilder(PortcullisApplication.class).run(args));
    }

    public int port() {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    public GatewayClient client() {
        return new GatewayClient(port());
    }

    public ConfigurableApplicationContext context() {
        return context;
    }

    /** Graceful shutdown, as on SIGTERM: drains requests and flushes the ledger. */
    @Override
    public void close() {
        context.close();
    }
}
