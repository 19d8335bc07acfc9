package io.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.TestGateway;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A full scenario with every kind of secret in play — API keys (created, used, rotated, revoked,
 * guessed), the admin token, the upstream API key, the key pepper — and then a search for each of
 * them in the logs, error bodies, metrics, actuator output and the audit log.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretsStayOutTest extends GatewayIntegrationTest {

    @Test
    void noSecretAppearsInLogsErrorsMetricsActuatorOrAudit(CapturedOutput output) {
        List<String> answers = new ArrayList<>();
        var key = client.createKey("{\"name\":\"secretive\",\"models\":[\"fake-chat\"]}");
        answers.add(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).body());
        answers.add(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-embed")).body());
        answers.add(client.post("/v1/chat/completions", key.secret(), "{broken json").body());
        answers.add(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("garbage-model")).body());
        String wrong = key.secret().substring(0, key.secret().length() - 4) + "XXXX";
        answers.add(client.post("/v1/chat/completions", wrong, GatewayClient.chat("fake-chat")).body());
        var rotated = client.admin("POST", "/admin/api/keys/" + key.id() + "/rotate", null);
        String second = GatewayClient.json(rotated).get("key").stringValue();
        answers.add(client.post("/v1/chat/completions", second, GatewayClient.chat("fake-chat")).body());
        answers.add(client.admin("DELETE", "/admin/api/keys/" + key.id(), null).body());
        answers.add(client.post("/v1/chat/completions", second, GatewayClient.chat("fake-chat")).body());
        answers.add(client.admin("GET", "/admin/api/keys/" + key.id(), null).body());
        answers.add(client.admin("GET", "/admin/api/keys?q=secretive", null).body());
        answers.add(client.admin("GET", "/admin/api/audit?limit=500", null).body());
        answers.add(client.get("/actuator/prometheus", null).body());
        answers.add(client.get("/actuator/health", null).body());
        answers.add(client.get("/actuator/env", null).body());
        answers.add(client.get("/actuator/configprops", null).body());

        byte[] pepper = jdbc.queryForObject("select value from server_secret where name = 'key_pepper'", byte[].class);
        List<String> secrets = List.of(key.secret(), second, key.secret().substring(16), second.substring(16),
                TestGateway.ADMIN_TOKEN, TestGateway.UPSTREAM_KEY, HexFormat.of().formatHex(pepper),
                Base64.getEncoder().encodeToString(pepper));
        String everything = output.getAll() + "\n" + String.join("\n", answers);
        for (String secret : secrets) {
            assertThat(everything).as("a secret of length %d leaked", secret.length()).doesNotContain(secret);
        }
        // the scenario really ran: the key's prefix and the upstream call are visible where they should be
        assertThat(String.join("\n", answers)).contains(key.created().get("prefix").stringValue());
        assertThat(backend.lastFor("fake", "fake-chat").header("Authorization"))
                .isEqualTo("Bearer " + TestGateway.UPSTREAM_KEY);
    }
}
