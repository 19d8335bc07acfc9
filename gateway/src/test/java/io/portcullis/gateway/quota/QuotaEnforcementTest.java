package io.portcullis.gateway.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Each quota and policy error of the contract, through the HTTP API, with its headers. */
class QuotaEnforcementTest extends GatewayIntegrationTest {

    private static final String METERED = """
            {"model":"fake-metered","max_tokens":10,"messages":[{"role":"user","content":"%s"}]}""".formatted("x".repeat(200));

    @Test
    void refusesBeyondRequestsPerMinuteWithRetryAfterAndHeaders() {
        var key = client.createKey("{\"name\":\"rpm\",\"limits\":{\"requestsPerMinute\":2}}");
        var first = client.post("/v1/chat/completions", key.secret(), METERED);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-ratelimit-limit-requests")).hasValue("2");
        assertThat(first.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("1");
        assertThat(first.headers().firstValue("x-ratelimit-reset-requests")).isPresent();
        assertThat(client.post("/v1/chat/completions", key.secret(), METERED).statusCode()).isEqualTo(200);

        var refused = client.post("/v1/chat/completions", key.secret(), METERED);

        assertError(refused, 429, "rate_limit_exceeded");
        assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(
                v -> assertThat(Integer.parseInt(v)).isBetween(1, 60));
        assertThat(refused.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        assertThat(client.get("/actuator/prometheus", null).body())
                .containsPattern("portcullis_quota_rejections_total\\{[^}]*reason=\"requests_per_minute\"[^}]*} [1-9]")
                .contains("portcullis_quota_leases");
    }

    @Test
    void refusesBeyondTokensPerMinuteWithTheTokenHeaders() {
        var key = client.createKey("{\"name\":\"tpm\",\"limits\":{\"tokensPerMinute\":100}}");
        var ok = client.post("/v1/chat/completions", key.secret(), METERED);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("x-ratelimit-limit-tokens")).hasValue("100");
        client.post("/v1/chat/completions", key.secret(), METERED);
        var refused = client.post("/v1/chat/completions", key.secret(), METERED);
        assertThat(assertError(refused, 429, "rate_limit_exceeded").get("type").stringValue()).isEqualTo("tokens");
    }

    @Test
    void refusesWithInsufficientQuotaWhenTheDailyBudgetIsSpent() {
        var key = client.createKey("{\"name\":\"daily\",\"limits\":{\"tokensPerDay\":5000}}");
        // the recorded answer reports 4,024 tokens, far above the ~1,050 reserved
        assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode())
                .isEqualTo(200);

        var refused = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));

        assertError(refused, 429, "insufficient_quota");
        assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(
                v -> assertThat(Long.parseLong(v)).isBetween(1L, 86_400L));
        assertThat(backend.received("fake").stream().filter(r -> r.body().contains("fake-chat")).count()).isPositive();
    }

    @Test
    void aRequestRefusedForQuotaNeverReachesTheBackend() {
        var key = client.createKey("{\"name\":\"tiny\",\"limits\":{\"tokensPerDay\":10}}");
        int before = backend.received("fake").size();
        assertError(client.post("/v1/chat/completions", key.secret(), METERED), 429, "insufficient_quota");
        assertThat(backend.received("fake")).hasSize(before);
    }

    @Test
    void refusesImagesForATextOnlyKey() {
        var key = client.createKey("{\"name\":\"text only\",\"policy\":{\"modalities\":[\"text\"]}}");
        String image = """
                {"model":"fake-chat","messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},\
                {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}""";
        assertError(client.post("/v1/chat/completions", key.secret(), image), 403, "policy_violation");
        assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode())
                .isEqualTo(200);
    }

    @Test
    void refusesClientsOutsideTheAllowedNetworks() {
        var key = client.createKey("{\"name\":\"office\",\"policy\":{\"allowedCidrs\":[\"10.0.0.0/8\"]}}");
        assertError(client.post("/v1/chat/completions", key.secret(), METERED), 403, "policy_violation");
        var local = client.createKey("{\"name\":\"loopback\",\"policy\":{\"allowedCidrs\":[\"127.0.0.0/8\",\"::1/128\"]}}");
        assertThat(client.post("/v1/chat/completions", local.secret(), METERED).statusCode()).isEqualTo(200);
    }

    @Test
    void refusesPromptsMatchingADenyPatternWithoutEchoingIt() {
        var key = client.createKey("{\"name\":\"rules\",\"policy\":{\"denyPatterns\":[\"(?i)project\\\\s+nightingale\"]}}");
        var refused = client.post("/v1/chat/completions", key.secret(),
                "{\"model\":\"fake-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Leak PROJECT  Nightingale\"}]}");
        assertError(refused, 403, "policy_violation");
        assertThat(refused.body()).doesNotContainIgnoringCase("nightingale");
    }

    @Test
    void refusesMaxTokensAboveThePerRequestLimit() {
        var key = client.createKey("{\"name\":\"short\",\"limits\":{\"maxTokensPerRequest\":5}}");
        var refused = client.post("/v1/chat/completions", key.secret(), METERED);
        assertThat(assertError(refused, 403, "policy_violation").get("param").stringValue()).isEqualTo("max_tokens");
    }

    @Test
    void aTeamsModelListRestrictsItsKeys() {
        String teamId = createTeam("{\"name\":\"embedders-" + System.nanoTime() + "\",\"policy\":{\"models\":[\"fake-embed\"]}}");
        var key = client.createKey("{\"name\":\"member\",\"teamId\":\"" + teamId + "\"}");
        assertError(client.post("/v1/chat/completions", key.secret(), METERED), 403, "model_not_allowed");
        assertThat(client.get("/v1/models", key.secret()).body()).contains("fake-embed").doesNotContain("fake-metered");
    }

    @Test
    void aTeamBudgetIsSharedByItsKeys() {
        String teamId = createTeam("{\"name\":\"shared-" + System.nanoTime() + "\",\"limits\":{\"requestsPerMinute\":3}}");
        var a = client.createKey("{\"name\":\"a\",\"teamId\":\"" + teamId + "\"}");
        var b = client.createKey("{\"name\":\"b\",\"teamId\":\"" + teamId + "\"}");
        assertThat(client.post("/v1/chat/completions", a.secret(), METERED).statusCode()).isEqualTo(200);
        assertThat(client.post("/v1/chat/completions", b.secret(), METERED).statusCode()).isEqualTo(200);
        assertThat(client.post("/v1/chat/completions", a.secret(), METERED).statusCode()).isEqualTo(200);
        var refused = client.post("/v1/chat/completions", b.secret(), METERED);
        assertThat(assertError(refused, 429, "rate_limit_exceeded").get("message").stringValue()).contains("team");
    }

    @Test
    void limitsChangedThroughTheAdminApiApplyWithinTwoSeconds() {
        var key = client.createKey("{\"name\":\"tighten\"}");
        assertThat(client.post("/v1/chat/completions", key.secret(), METERED).statusCode()).isEqualTo(200);
        var patched = client.admin("PATCH", "/admin/api/keys/" + key.id(), "{\"limits\":{\"tokensPerDay\":10}}");
        assertThat(patched.statusCode()).isEqualTo(200);
        assertThat(GatewayClient.json(patched).at("/limits/tokensPerDay").asLong()).isEqualTo(10);
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                client.post("/v1/chat/completions", key.secret(), METERED).statusCode() == 429);
    }

    @Test
    void concurrentRequestsBeyondTheLimitAreRefused() throws Exception {
        var key = client.createKey("{\"name\":\"one at a time\",\"limits\":{\"maxConcurrentRequests\":1}}");
        HttpResponse<InputStream> open = stream(key.secret(), "fake-paused");
        try (var reader = new BufferedReader(new InputStreamReader(open.body(), StandardCharsets.UTF_8))) {
            assertThat(reader.readLine()).contains("first");
            assertError(client.post("/v1/chat/completions", key.secret(), METERED), 429, "rate_limit_exceeded");
            backend.models().releasePaused();
            while (reader.readLine() != null) {
                // drain to the end
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                client.post("/v1/chat/completions", key.secret(), METERED).statusCode() == 200);
    }

    @Test
    void aStreamAbandonedByItsClientIsBilledItsReservation() throws Exception {
        var key = client.createKey("{\"name\":\"abandon\"}");
        HttpResponse<InputStream> open = stream(key.secret(), "fake-endless");
        var reader = new BufferedReader(new InputStreamReader(open.body(), StandardCharsets.UTF_8));
        assertThat(reader.readLine()).contains("tick");
        open.body().close();

        awaitUsageRows(key.id(), 1);
        Map<String, Object> row = jdbc.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
        assertThat(row).containsEntry("outcome", "client_closed").containsEntry("completion_tokens", 1024);
        assertThat((Integer) row.get("prompt_tokens")).isPositive();
    }

    @Test
    void recordsTheExactCostOfEachRequest() {
        var key = client.createKey();
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        awaitUsageRows(key.id(), 1);
        // 8 uncached * 2.50 + 4012 cached * 1.25 + 4 * 10.00 = 5,075 micro-dollars
        assertThat(jdbc.queryForObject("select cost_micros from usage_event_named where key_id = ?::uuid", Long.class,
                key.id())).isEqualTo(5075);
        JsonNode rows = GatewayClient.json(client.admin("GET", "/admin/api/usage?groupBy=key&keyId=" + key.id(), null))
                .get("data");
        assertThat(rows.get(0).get("costUsd").decimalValue()).isEqualByComparingTo("0.005075");
    }

    @Test
    void groupsUsageByTeam() {
        String teamId = createTeam("{\"name\":\"usage-" + System.nanoTime() + "\"}");
        var key = client.createKey("{\"name\":\"member\",\"teamId\":\"" + teamId + "\"}");
        client.post("/v1/chat/completions", key.secret(), METERED);
        awaitUsageRows(key.id(), 1);
        JsonNode rows = GatewayClient.json(client.admin("GET", "/admin/api/usage?groupBy=team&teamId=" + teamId, null))
                .get("data");
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("group").stringValue()).isEqualTo(teamId);
        assertThat(rows.get(0).get("promptTokens").asLong()).isEqualTo(20);
    }

    @Test
    void teamsAreCreatedReadUpdatedAndDeletedWithValidation() {
        String name = "crud-" + System.nanoTime();
        String id = createTeam("{\"name\":\"" + name + "\",\"limits\":{\"spendPerMonthUsd\":\"12.50\"}}");
        JsonNode team = GatewayClient.json(client.admin("GET", "/admin/api/teams/" + id, null));
        assertThat(team.at("/limits/spendPerMonthUsd").stringValue()).isEqualTo("12.500000");
        assertThat(client.admin("POST", "/admin/api/teams", "{\"name\":\"" + name + "\"}").statusCode()).isEqualTo(409);
        var bad = client.admin("PATCH", "/admin/api/teams/" + id, "{\"limits\":{\"tokensPerDay\":\"many\"}}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(GatewayClient.json(bad).at("/error/param").stringValue()).isEqualTo("limits.tokensPerDay");
        var member = client.createKey("{\"name\":\"m\",\"teamId\":\"" + id + "\"}");
        assertThat(client.admin("DELETE", "/admin/api/teams/" + id, null).statusCode()).isEqualTo(409);
        client.admin("DELETE", "/admin/api/keys/" + member.id(), null);
        assertThat(client.admin("DELETE", "/admin/api/teams/" + id, null).statusCode()).isEqualTo(204);
        assertThat(client.admin("GET", "/admin/api/teams/" + id, null).statusCode()).isEqualTo(404);
    }

    private String createTeam(String json) {
        var created = client.admin("POST", "/admin/api/teams", json);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return GatewayClient.json(created).get("id").stringValue();
    }

    private HttpResponse<InputStream> stream(String key, String model) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
        return client.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    private static JsonNode assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = GatewayClient.json(response).get("error");
        assertThat(error.get("code").stringValue()).isEqualTo(code);
        return error;
    }
}
