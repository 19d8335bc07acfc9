package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.support.TestGateway;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Two replicas on one PostgreSQL: a backend added on one is served by the other within 2 s. */
class ManagedBackendsAcrossReplicasTest {

    @Test
    void aBackendAddedOnOneReplicaIsRoutedByAnotherWithinTwoSeconds() {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var a = StandaloneGateway.start(postgres.jdbcUrl(), Map.of());
             var b = StandaloneGateway.start(postgres.jdbcUrl(), Map.of())) {
            var key = a.client().createKey();
            assertThat(b.client().post("/v1/chat/completions", key.secret(), GatewayClient.chat("replicated-model"))
                    .statusCode()).isEqualTo(404);

            long addedAt = System.nanoTime();
            var created = a.client().admin("POST", "/admin/api/backends", """
                    {"name":"replicated","baseUrl":"%s","apiKey":"sk-replicated","models":["replicated-model"]}"""
                    .formatted(TestGateway.backend().baseUrl("replicated")));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

            Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50)).until(() ->
                    b.client().post("/v1/chat/completions", key.secret(), GatewayClient.chat("replicated-model"))
                            .statusCode() == 200);
            assertThat(Duration.ofNanos(System.nanoTime() - addedAt)).isLessThan(Duration.ofSeconds(2));
            assertThat(TestGateway.backend().header("replicated", "authorization")).isEqualTo("Bearer sk-replicated");
        }
    }
}
