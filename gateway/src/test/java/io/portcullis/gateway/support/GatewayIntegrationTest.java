package io.portcullis.gateway.support;

import io.portcullis.gateway.PortcullisApplication;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of tests against one running gateway: a real Tomcat on a random port, its own embedded
 * PostgreSQL, and the shared fake backends. The Spring context (and so the database) is shared
 * by every subclass; tests create their own keys, so they do not see each other's rows.
 */
@SpringBootTest(classes = PortcullisApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class GatewayIntegrationTest {

    @LocalServerPort
    protected int port;

    @Autowired
    protected JdbcTemplate jdbc;

    protected GatewayClient client;
    protected final ScriptedBackend backend = TestGateway.backend();

    @DynamicPropertySource
    static void gatewayProperties(DynamicPropertyRegistry registry) {
        TestGateway.properties().forEach((name, value) -> registry.add(name, () -> value));
        registry.add("gateway.embedded-postgres.ephemeral", () -> "true");
    }

    @BeforeEach
    void connect() {
        client = new GatewayClient(port);
        backend.models().reset();
    }

    /** Waits for the asynchronous ledger to hold {@code expected} rows for a key. */
    protected void awaitUsageRows(String keyId, int expected) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> usageRows(keyId) == expected);
    }

    protected int usageRows(String keyId) {
        Integer n = jdbc.queryForObject("select count(*) from usage_event_named where key_id = ?::uuid", Integer.class,
                keyId);
        return n == null ? 0 : n;
    }
}
