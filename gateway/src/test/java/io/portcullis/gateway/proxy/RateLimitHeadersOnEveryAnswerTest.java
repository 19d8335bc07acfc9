package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The contract's "keys with limits get OpenAI's headers on every answer", on the answers that are
 * not proxied: {@code GET /v1/models} and {@code GET /v1/me}, successes and errors alike.
 */
class RateLimitHeadersOnEveryAnswerTest extends GatewayIntegrationTest {

    private static final List<String> HEADERS = List.of("x-ratelimit-limit-requests", "x-ratelimit-remaining-requests",
            "x-ratelimit-reset-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens",
            "x-ratelimit-reset-tokens");
    private static final String LIMITED = "{\"name\":\"limited\",\"limits\":{\"requestsPerMinute\":7,\"tokensPerMinute\":50000}}";

    private static long header(HttpResponse<String> response, String name) {
        return Long.parseLong(response.headers().firstValue(name).orElseThrow(() -> new AssertionError(name + " missing")));
    }

    @Test
    void listsModelsWithTheKeysRateLimitHeaders() {
        var key = client.createKey(LIMITED);

        var models = client.get("/v1/models", key.secret());

        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(header(models, "x-ratelimit-limit-requests")).isEqualTo(7);
        assertThat(header(models, "x-ratelimit-remaining-requests")).isEqualTo(7);
        assertThat(header(models, "x-ratelimit-limit-tokens")).isEqualTo(50_000);
        assertThat(header(models, "x-ratelimit-remaining-tokens")).isEqualTo(50_000);
        assertThat(models.headers().firstValue("x-ratelimit-reset-requests")).hasValue("0ms");
    }

    @Test
    void showsTheSameRemainingRequestsInMeHeadersAsInItsBody() {
        var key = client.createKey(LIMITED);
        assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode())
                .isEqualTo(200);

        var me = client.get("/v1/me", key.secret());

        assertThat(me.statusCode()).isEqualTo(200);
        HEADERS.forEach(name -> assertThat(me.headers().firstValue(name)).as(name).isPresent());
        long remaining = header(me, "x-ratelimit-remaining-requests");
        assertThat(remaining).isLessThan(7)
                .isEqualTo(GatewayClient.json(me).get("remaining").get("requestsPerMinute").longValue());
        assertThat(header(me, "x-ratelimit-remaining-tokens"))
                .isEqualTo(GatewayClient.json(me).get("remaining").get("tokensPerMinute").longValue());
    }

    @Test
    void reportsTheTeamsLimitForAKeyWithoutItsOwn() {
        var team = GatewayClient.json(client.admin("POST", "/admin/api/teams",
                "{\"name\":\"headers-team\",\"limits\":{\"requestsPerMinute\":11}}")).get("id").stringValue();
        var key = client.createKey("{\"name\":\"member\",\"teamId\":\"" + team + "\"}");

        for (String path : List.of("/v1/models", "/v1/me")) {
            var answer = client.get(path, key.secret());
            assertThat(answer.statusCode()).as(path).isEqualTo(200);
            assertThat(header(answer, "x-ratelimit-limit-requests")).as(path).isEqualTo(11);
            assertThat(answer.headers().firstValue("x-ratelimit-limit-tokens")).as(path).isEmpty();
        }
    }

    @Test
    void keepsTheHeadersOnAnErrorAnsweredAfterTheKeyIsKnown() {
        var key = client.createKey(LIMITED);

        for (String path : List.of("/v1/models", "/v1/me")) {
            // the key is checked, then no answer shape fits what the client accepts
            var refused = client.send(HttpRequest.newBuilder(URI.create(client.base() + path))
                    .header("Authorization", "Bearer " + key.secret())
                    .header("Accept", "application/xml")
                    .GET().build());
            assertThat(refused.statusCode()).as(path).isEqualTo(406);
            HEADERS.forEach(name -> assertThat(refused.headers().firstValue(name)).as(path + " " + name).isPresent());
        }
    }

    @Test
    void sendsNoRateLimitHeadersForAKeyWithoutLimitsOrAnUnknownKey() {
        var key = client.createKey();

        for (String path : List.of("/v1/models", "/v1/me")) {
            var answer = client.get(path, key.secret());
            assertThat(answer.statusCode()).isEqualTo(200);
            var refused = client.get(path, "gw-unknownunknown-" + "x".repeat(32));
            assertThat(refused.statusCode()).isEqualTo(401);
            HEADERS.forEach(name -> {
                assertThat(answer.headers().firstValue(name)).as(path + " " + name).isEmpty();
                assertThat(refused.headers().firstValue(name)).as(path + " " + name).isEmpty();
            });
        }
    }
}
