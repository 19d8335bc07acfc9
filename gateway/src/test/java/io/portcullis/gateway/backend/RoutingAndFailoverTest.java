package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A model over several deployments: weighted balancing, failover, and billing once per client request. */
class RoutingAndFailoverTest extends GatewayIntegrationTest {

    private final ScriptedBackend scripted = TestGateway.backend();

    @AfterEach
    void resetScripts() {
        TestGateway.resetScripts();
    }

    @Test
    void splitsTrafficByWeightWithinFivePercentOver2000Requests() {
        var key = client.createKey();
        int w1 = scripted.count("w1");
        int w2 = scripted.count("w2");
        for (int i = 0; i < 2000; i++) {
            var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("split"));
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        }
        int first = scripted.count("w1") - w1;
        int second = scripted.count("w2") - w2;
        assertThat(first + second).isEqualTo(2000);
        // weights 3:1 → 1500 and 500; ±5 % of all requests is ±100
        assertThat(first).isBetween(1400, 1600);
        assertThat(second).isBetween(400, 600);
    }

    @Test
    void failsOverToTheNextPriorityWhenADeploymentAnswers500AndBillsOnce() {
        var key = client.createKey();
        int secondary = scripted.count("secondary");

        var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("failover-500"));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(GatewayClient.json(answer).at("/choices/0/message/content").stringValue()).isEqualTo("secondary");
        assertThat(scripted.count("secondary") - secondary).isEqualTo(1);
        awaitUsageRows(key.id(), 1);
        Map<String, Object> row = jdbc.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
        assertThat(row).containsEntry("backend", "secondary").containsEntry("status", 200)
                .containsEntry("prompt_tokens", 5).containsEntry("completion_tokens", 1);
    }

    @Test
    void failsOverWhenADeploymentRefusesConnections() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("failover-refused"));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(GatewayClient.json(answer).at("/choices/0/message/content").stringValue()).isEqualTo("secondary");
        awaitUsageRows(key.id(), 1);
        assertThat(jdbc.queryForObject("select backend from usage_event_named where key_id = ?::uuid", String.class,
                key.id())).isEqualTo("secondary");
    }

    @Test
    void retriesTheOnlyDeploymentAndPassesItsLast5xxThrough() {
        var key = client.createKey();
        scripted.script("w1", ScriptedBackend.status(503));
        scripted.script("w2", ScriptedBackend.status(503));
        int before = scripted.count("w1") + scripted.count("w2");

        var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("split"));

        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.body()).contains("scripted 503");
        assertThat(scripted.count("w1") + scripted.count("w2") - before).isEqualTo(3); // max-attempts
        awaitUsageRows(key.id(), 1);
    }

    @Test
    void neverRetriesOnceTheFirstStreamedByteIsSent() throws Exception {
        var key = client.createKey();
        int dropped = scripted.droppedCount();
        int secondary = scripted.count("secondary");
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key.secret())
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"stream-drop","stream":true,"messages":[{"role":"user","content":"hi"}]}"""))
                .build();

        HttpResponse<InputStream> answer = client.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
        String body = new String(answer.body().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(body).contains("\"first\"").contains("upstream_error").doesNotContain("secondary");
        assertThat(scripted.droppedCount() - dropped).isEqualTo(1);
        assertThat(scripted.count("secondary") - secondary).isZero();
        awaitUsageRows(key.id(), 1);
        assertThat(jdbc.queryForObject("select outcome from usage_event_named where key_id = ?::uuid", String.class,
                key.id())).isEqualTo("upstream_broken");
    }
}
