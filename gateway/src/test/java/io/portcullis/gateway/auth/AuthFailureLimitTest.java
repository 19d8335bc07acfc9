package io.portcullis.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class AuthFailureLimitTest {

    @Test
    void anAddressThatKeepsFailingIsRefusedAndTheKeysItTriedAreNotLogged(CapturedOutput output) {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of("gateway.keys.max-failures-per-minute", "5"))) {
            var client = gateway.client();
            var good = client.createKey();
            String guess = good.secret().substring(0, good.secret().length() - 6) + "Guess1";
            for (int i = 0; i < 5; i++) {
                assertThat(client.get("/v1/models", guess).statusCode()).isEqualTo(401);
            }

            var refused = client.get("/v1/models", guess);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(GatewayClient.json(refused).at("/error/code").stringValue()).isEqualTo("rate_limit_exceeded");
            // even the right key waits: the address is throttled, not the key
            assertThat(client.get("/v1/models", good.secret()).statusCode()).isEqualTo(429);

            assertThat(output.getAll()).contains("API key authentication failed from 127.0.0.1")
                    .doesNotContain(guess).doesNotContain(good.secret().substring(16));
        }
    }
}
