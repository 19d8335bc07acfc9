package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The circuit of one deployment ("flaky", model "circuit"): tests run with a window of 4 calls,
 * a 50 % threshold, 1 s open and 1 half-open probe.
 */
class CircuitBreakerTest extends GatewayIntegrationTest {

    private final ScriptedBackend scripted = TestGateway.backend();

    @AfterEach
    void resetScripts() {
        TestGateway.resetScripts();
    }

    @Test
    void opensAfterFailuresThenHalfOpensAndClosesWhenTheProbeSucceeds() {
        var key = client.createKey();
        scripted.script("flaky", ScriptedBackend.status(500));

        // 3 attempts, then 1 more: the fourth failure in a window of 4 opens the circuit
        assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("circuit")).statusCode())
                .isEqualTo(500);
        ClientAssertions.assertError(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("circuit")),
                503, "upstream_unavailable");
        assertThat(deployment("flaky").get("circuit").stringValue()).isEqualTo("open");
        assertThat(deployment("flaky").get("up").booleanValue()).isFalse();
        assertThat(metric("portcullis_deployment_up{", "backend=\"flaky\"")).isEqualTo("0.0");

        // open: refused without calling the backend
        int calls = scripted.count("flaky");
        ClientAssertions.assertError(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("circuit")),
                503, "upstream_unavailable");
        assertThat(scripted.count("flaky")).isEqualTo(calls);

        // after open-duration one probe goes through; it succeeds, so the circuit closes
        scripted.script("flaky", ScriptedBackend.ok("flaky"));
        Awaitility.await().pollDelay(Duration.ofMillis(1100)).atMost(Duration.ofSeconds(15)).until(() ->
                client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("circuit")).statusCode() == 200);
        assertThat(scripted.count("flaky")).isEqualTo(calls + 1);
        assertThat(deployment("flaky").get("circuit").stringValue()).isEqualTo("closed");
        assertThat(metric("portcullis_deployment_circuit_state{", "backend=\"flaky\"")).isEqualTo("0.0");
    }

    @Test
    void listsEveryDeploymentWithoutItsKeyToAdminsOnly() {
        var answer = client.admin("GET", "/admin/api/backends", null);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).doesNotContain(TestGateway.ANTHROPIC_KEY).doesNotContain("sk-upstream");
        JsonNode claude = deployment("claude");
        assertThat(claude.get("type").stringValue()).isEqualTo("anthropic");
        assertThat(claude.get("upstreamModel").stringValue()).isIn("claude-haiku-4-5", "overloaded");
        assertThat(deployment("w1").get("weight").intValue()).isEqualTo(3);
        assertThat(deployment("secondary").get("priority").intValue()).isEqualTo(1);

        var anonymous = client.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(client.base() + "/admin/api/backends")).GET().build());
        assertThat(anonymous.statusCode()).isEqualTo(401);
    }

    private JsonNode deployment(String backend) {
        for (JsonNode d : GatewayClient.json(client.admin("GET", "/admin/api/backends", null)).get("data")) {
            if (d.get("backend").stringValue().equals(backend)) {
                return d;
            }
        }
        throw new AssertionError("no deployment of " + backend);
    }

    private String metric(String prefix, String tag) {
        String body = client.get("/actuator/prometheus", null).body();
        return body.lines().filter(l -> l.startsWith(prefix) && l.contains(tag)).findFirst()
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).orElseThrow(() -> new AssertionError("no " + prefix + tag));
    }
}
