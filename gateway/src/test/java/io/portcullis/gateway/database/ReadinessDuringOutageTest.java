package io.portcullis.gateway.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class ReadinessDuringOutageTest {

    @Test
    void staysReadyServingCachedKeysThenReportsNotReadyOnceTheCacheWouldExpire() {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of("gateway.keys.cache-ttl", "6s"))) {
            var client = gateway.client();
            var key = client.createKey();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
                    client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode() == 200
                            && client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"))
                            .statusCode() == 200);
            assertThat(client.get("/actuator/health/readiness", null).statusCode()).isEqualTo(200);

            postgres.stop();
            // fail-static: the cached key still works, and the replica is still ready for a while
            assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode())
                    .isEqualTo(200);
            assertThat(client.get("/actuator/health/readiness", null).statusCode()).isEqualTo(200);
            // an unknown key cannot be checked: 503, not 401
            assertThat(client.post("/v1/chat/completions", "gw-AAAAAAAAAAAA-" + "B".repeat(32),
                    GatewayClient.chat("fake-chat")).statusCode()).isEqualTo(503);

            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
                    client.get("/actuator/health/readiness", null).statusCode() == 503);
            assertThat(client.get("/actuator/health/liveness", null).statusCode()).isEqualTo(200);

            postgres.start();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
                    client.get("/actuator/health/readiness", null).statusCode() == 200);
        }
    }
}
