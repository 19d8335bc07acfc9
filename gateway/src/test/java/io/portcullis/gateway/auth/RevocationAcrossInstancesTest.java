package io.portcullis.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Two gateway processes' worth of Spring contexts on one PostgreSQL, as two replicas would be. */
class RevocationAcrossInstancesTest {

    @Test
    void aKeyRevokedOnOneReplicaIsRefusedByAnotherWithinTwoSeconds() {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var a = StandaloneGateway.start(postgres.jdbcUrl(), Map.of());
             var b = StandaloneGateway.start(postgres.jdbcUrl(), Map.of())) {
            GatewayClient clientA = a.client();
            GatewayClient clientB = b.client();
            var key = clientA.createKey();
            // B has the key cached after this call
            assertThat(clientB.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode())
                    .isEqualTo(200);

            long revokedAt = System.nanoTime();
            assertThat(clientA.admin("DELETE", "/admin/api/keys/" + key.id(), null).statusCode()).isEqualTo(200);

            Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50)).until(() ->
                    clientB.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode() == 401);
            assertThat(Duration.ofNanos(System.nanoTime() - revokedAt)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void aKeyRotatedOnOneReplicaStopsWorkingOnAnother() {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var a = StandaloneGateway.start(postgres.jdbcUrl(), Map.of());
             var b = StandaloneGateway.start(postgres.jdbcUrl(), Map.of())) {
            var key = a.client().createKey();
            assertThat(b.client().get("/v1/models", key.secret()).statusCode()).isEqualTo(200);

            String fresh = GatewayClient.json(a.client().admin("POST", "/admin/api/keys/" + key.id() + "/rotate", null))
                    .get("key").stringValue();

            Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                    b.client().get("/v1/models", key.secret()).statusCode() == 401);
            assertThat(b.client().get("/v1/models", fresh).statusCode()).isEqualTo(200);
        }
    }
}
