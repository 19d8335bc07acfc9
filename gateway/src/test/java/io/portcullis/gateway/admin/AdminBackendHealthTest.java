package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.FakeGemini;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /admin/api/backends} as the console's Backends page reads it: each deployment's
 * circuit and this replica's recent calls, error rate and latency, moved by real traffic through
 * the gateway to a run-time backend the test adds (its own, so no other test's calls count).
 */
class AdminBackendHealthTest extends GatewayIntegrationTest {

    private static final String MANAGED_KEY = "sk-health-upstream-secret";

    private final ScriptedBackend scripted = TestGateway.backend();

    /** A managed backend of its own, with a key, listed once this replica has loaded it. */
    private String addBackend(String model) {
        String name = "health-" + Long.toString(System.nanoTime(), 36);
        var created = client.admin("POST", "/admin/api/backends", """
                {"name":"%s","baseUrl":"%s","models":["%s"],"apiKey":"%s"}"""
                .formatted(name, scripted.baseUrl(name), model, MANAGED_KEY));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> find(admin(), name) != null);
        return name;
    }

    private JsonNode admin() {
        return GatewayClient.json(client.admin("GET", "/admin/api/backends", null));
    }

    private static JsonNode find(JsonNode list, String backend) {
        for (JsonNode d : list.get("data")) {
            if (d.get("backend").stringValue().equals(backend)) {
                return d;
            }
        }
        return null;
    }

    @Test
    void showsCallsAndLatencyOfRealTrafficThenErrorsAndAnOpenCircuitWhenTheBackendFails() {
        String model = "health-model-" + System.nanoTime();
        String name = addBackend(model);
        JsonNode quiet = find(admin(), name).get("recent");
        assertThat(quiet.get("calls").longValue()).isZero();
        assertThat(quiet.get("errorRate").isNull()).isTrue();
        assertThat(quiet.get("latencyP50Ms").isNull()).isTrue();
        assertThat(quiet.get("windowSeconds").longValue()).isEqualTo(300);

        var key = client.createKey();
        scripted.script(name, ScriptedBackend.slow(150, ScriptedBackend.ok(name)));
        for (int i = 0; i < 3; i++) {
            assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat(model)).statusCode())
                    .isEqualTo(200);
        }
        JsonNode served = find(admin(), name);
        assertThat(served.get("circuit").stringValue()).isEqualTo("closed");
        JsonNode recent = served.get("recent");
        assertThat(recent.get("calls").longValue()).isEqualTo(3);
        assertThat(recent.get("failures").longValue()).isZero();
        assertThat(recent.get("errorRate").doubleValue()).isEqualTo(0.0);
        assertThat(recent.get("latencyP50Ms").longValue()).isGreaterThanOrEqualTo(150);
        assertThat(recent.get("latencyP99Ms").longValue()).isGreaterThanOrEqualTo(recent.get("latencyP50Ms").longValue());
        assertThat(recent.get("latencyMeanMs").longValue()).isGreaterThanOrEqualTo(150);

        scripted.script(name, ScriptedBackend.status(500));
        assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat(model)).statusCode())
                .isIn(500, 503);
        JsonNode failing = find(admin(), name);
        assertThat(failing.get("circuit").stringValue()).as("2 failures in a window of 4 at 50 %").isEqualTo("open");
        assertThat(failing.get("up").booleanValue()).isFalse();
        JsonNode after = failing.get("recent");
        long failures = after.get("failures").longValue();
        assertThat(failures).isEqualTo(scripted.count(name) - 3L).isGreaterThanOrEqualTo(2);
        assertThat(after.get("calls").longValue()).isEqualTo(3 + failures);
        assertThat(after.get("errorRate").doubleValue())
                .isEqualTo(Math.round(failures * 1000.0 / (3 + failures)) / 10.0).isGreaterThan(0);
    }

    @Test
    void countsA429AsRateLimitedNotAsAnError() {
        String model = "health-busy-" + System.nanoTime();
        String name = addBackend(model);
        var key = client.createKey();
        scripted.script(name, ScriptedBackend.status(429));

        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat(model));

        JsonNode recent = find(admin(), name).get("recent");
        assertThat(recent.get("rateLimited").longValue()).isEqualTo(scripted.count(name)).isPositive();
        assertThat(recent.get("failures").longValue()).isZero();
        assertThat(recent.get("errorRate").doubleValue()).isEqualTo(0.0);
        assertThat(find(admin(), name).get("circuit").stringValue()).isEqualTo("closed");
    }

    @Test
    void aViewerReadsEveryDeploymentsHealthButNoUpstreamKey() {
        String name = addBackend("health-viewer-" + System.nanoTime());
        String viewer = AdminIdentities.token(client, "viewer");

        var answer = AdminIdentities.call(client, "GET", "/admin/api/backends", viewer, null);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).doesNotContain(MANAGED_KEY).doesNotContain(TestGateway.UPSTREAM_KEY)
                .doesNotContain(TestGateway.ANTHROPIC_KEY).doesNotContain(FakeGemini.KEY)
                .doesNotContain(TestGateway.ENCRYPTION_KEY).doesNotContain("\"apiKey\"");
        JsonNode list = GatewayClient.json(answer);
        assertThat(find(list, name).get("hasApiKey").booleanValue()).isTrue();
        assertThat(find(list, name).get("source").stringValue()).isEqualTo("admin");
        assertThat(find(list, TestGateway.FAKE).get("hasApiKey").booleanValue()).isTrue();
        assertThat(find(list, TestGateway.FAKE).get("source").stringValue()).isEqualTo("configuration");
        assertThat(find(list, "ollama").get("hasApiKey").booleanValue()).isFalse();
        assertThat(find(list, TestGateway.FAKE).get("recent").has("latencyP99Ms")).isTrue();

        var change = AdminIdentities.call(client, "DELETE", "/admin/api/backends/" + name, viewer, null);
        assertThat(change.statusCode()).isEqualTo(403);
    }

    @Test
    void refusesAnOutOfRangeWeightOrPriorityNamingTheField() {
        var weight = client.admin("POST", "/admin/api/backends", """
                {"name":"health-weight","baseUrl":"%s","models":["m"],"weight":0}""".formatted(scripted.baseUrl("x")));
        assertThat(weight.statusCode()).isEqualTo(400);
        assertThat(GatewayClient.json(weight).at("/error/param").stringValue()).isEqualTo("weight");
        var priority = client.admin("POST", "/admin/api/backends", """
                {"name":"health-priority","baseUrl":"%s","models":["m"],"priority":-1}""".formatted(scripted.baseUrl("x")));
        assertThat(priority.statusCode()).isEqualTo(400);
        assertThat(GatewayClient.json(priority).at("/error/param").stringValue()).isEqualTo("priority");
    }
}
