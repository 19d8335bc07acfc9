package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The ledger against a database the test controls: shut down with records queued, and an outage. */
class UsageLedgerDurabilityTest {

    @Test
    void gracefulShutdownWritesEveryQueuedRecord() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral()) {
            // A flush interval far beyond the test: rows can only reach the table through the shutdown flush.
            var gateway = StandaloneGateway.start(postgres.jdbcUrl(),
                    Map.of("gateway.usage.flush-interval", "1h", "gateway.usage.batch-size", "1000"));
            var client = gateway.client();
            var key = client.createKey();
            for (int i = 0; i < 25; i++) {
                assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"))
                        .statusCode()).isEqualTo(200);
            }
            assertThat(count(postgres, key.id())).as("nothing written before shutdown").isZero();

            gateway.close();

            assertThat(count(postgres, key.id())).isEqualTo(25);
        }
    }

    @Test
    void recordsMadeWhileTheDatabaseIsDownAreWrittenWhenItReturns() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of())) {
            var client = gateway.client();
            var key = client.createKey();
            assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode())
                    .isEqualTo(200);
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> count(postgres, key.id()) == 1);
            // The creation's change notification has been processed by now; this call caches the key for good.
            assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode())
                    .isEqualTo(200);

            postgres.stop();
            for (int i = 0; i < 10; i++) {
                // the key is served from cache; the backend answers; the ledger queues
                assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"))
                        .statusCode()).isEqualTo(200);
            }
            Thread.sleep(3000); // a few seconds of outage, with the writer failing and retrying
            postgres.start();

            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> count(postgres, key.id()) == 12);
            Integer tokens = query(postgres, "select sum(prompt_tokens) from usage_event_named where key_id = '" + key.id() + "'");
            assertThat(tokens).isEqualTo(12 * 4020);
        }
    }

    private static int count(EmbeddedPostgresServer postgres, String keyId) throws Exception {
        return query(postgres, "select count(*) from usage_event_named where key_id = '" + keyId + "'");
    }

    private static Integer query(EmbeddedPostgresServer postgres, String sql) throws Exception {
        try (var c = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
             var rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
