package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Each error status of the contract, in OpenAI's shape. */
class ClientErrorsTest extends GatewayIntegrationTest {

    @Test
    void refusesABodyThatIsNotJson() {
        var key = client.createKey();
        assertError(client.post("/v1/chat/completions", key.secret(), "{not json"), 400, "invalid_request_error");
    }

    @Test
    void refusesARequestWithoutModel() {
        var key = client.createKey();
        var response = client.post("/v1/chat/completions", key.secret(), "{\"messages\":[]}");
        assertThat(assertError(response, 400, "invalid_request_error").get("param").stringValue()).isEqualTo("model");
    }

    @Test
    void refusesWrongTypesNamingTheField() {
        var key = client.createKey();
        assertThat(assertError(client.post("/v1/chat/completions", key.secret(), "{\"model\":7,\"messages\":[]}"),
                400, "invalid_request_error").get("param").stringValue()).isEqualTo("model");
        assertThat(assertError(client.post("/v1/chat/completions", key.secret(),
                "{\"model\":\"fake-chat\",\"messages\":\"hi\"}"), 400, "invalid_request_error")
                .get("param").stringValue()).isEqualTo("messages");
        assertThat(assertError(client.post("/v1/chat/completions", key.secret(),
                "{\"model\":\"fake-chat\",\"messages\":[],\"stream\":\"yes\"}"), 400, "invalid_request_error")
                .get("param").stringValue()).isEqualTo("stream");
        assertError(client.post("/v1/chat/completions", key.secret(), "[1,2,3]"), 400, "invalid_request_error");
    }

    @Test
    void refusesDuplicateModelFieldsSoTheBackendCannotServeAnUncheckedModel() {
        var key = client.createKey("{\"name\":\"one model\",\"models\":[\"fake-chat\"]}");
        var response = client.post("/v1/chat/completions", key.secret(),
                "{\"model\":\"fake-chat\",\"model\":\"fake-embed\",\"messages\":[]}");
        assertError(response, 400, "invalid_request_error");
    }

    @Test
    void refusesMissingUnknownAndMalformedKeys() {
        assertError(client.post("/v1/chat/completions", null, GatewayClient.chat("fake-chat")), 401, "invalid_api_key");
        assertError(client.post("/v1/chat/completions", "gw-AAAAAAAAAAAA-" + "B".repeat(32),
                GatewayClient.chat("fake-chat")), 401, "invalid_api_key");
        assertError(client.post("/v1/chat/completions", "sk-not-ours", GatewayClient.chat("fake-chat")), 401,
                "invalid_api_key");
    }

    @Test
    void refusesAKeyWithTheRightIdButWrongSecret() {
        var key = client.createKey();
        String forged = key.secret().substring(0, key.secret().length() - 4) + "AAAA";
        assertError(client.post("/v1/chat/completions", forged, GatewayClient.chat("fake-chat")), 401,
                "invalid_api_key");
    }

    @Test
    void refusesAnExpiredKey() {
        var key = client.createKey();
        jdbc.update("update api_key set expires_at = now() - interval '1 second' where id = ?::uuid", key.id());
        // bypassing the admin API skips the cache invalidation, so notify as the store would
        jdbc.queryForList("select pg_notify('portcullis_keys', public_id) from api_key where id = ?::uuid", key.id());
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() ->
                client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode() == 401);
        var body = assertError(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")),
                401, "invalid_api_key");
        assertThat(body.get("message").stringValue()).contains("expired");
    }

    @Test
    void refusesAModelOutsideTheKeysAllowList() {
        var key = client.createKey("{\"name\":\"chat only\",\"models\":[\"fake-chat\"]}");
        var body = assertError(client.post("/v1/embeddings", key.secret(), "{\"model\":\"fake-embed\",\"input\":\"x\"}"),
                403, "model_not_allowed");
        assertThat(body.get("param").stringValue()).isEqualTo("model");
        assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode())
                .isEqualTo(200);
    }

    @Test
    void answersModelNotFoundForAModelNoBackendServes() {
        var key = client.createKey();
        assertError(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("no-such-model")), 404,
                "model_not_found");
    }

    @Test
    void refusesABodyOverTheSizeLimit() {
        var key = client.createKey();
        String huge = "{\"model\":\"fake-chat\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(70 * 1024) + "\"}]}";
        assertError(client.post("/v1/chat/completions", key.secret(), huge), 413, "request_too_large");
    }

    @Test
    void answersUpstreamErrorWhenTheBackendSpeaksGarbage() {
        var key = client.createKey();
        assertError(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("garbage-model")), 502,
                "upstream_error");
    }

    @Test
    void answersUpstreamUnavailableWhenTheBackendRefusesConnections() {
        var key = client.createKey();
        assertError(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("down-model")), 503,
                "upstream_unavailable");
    }

    @Test
    void answersUpstreamTimeoutWhenTheBackendIsTooSlow() {
        var key = client.createKey();
        assertError(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-slow")), 504,
                "upstream_timeout");
        awaitUsageRows(key.id(), 1);
        assertThat(jdbc.queryForObject("select outcome from usage_event_named where key_id = ?::uuid", String.class,
                key.id())).isEqualTo("upstream_timeout");
    }

    @Test
    void passesTheBackendsOwnErrorThroughWithItsStatus() {
        var key = client.createKey();
        var response = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-error"));
        assertThat(assertError(response, 400, "empty_array").get("param").stringValue()).isEqualTo("messages");
    }

    @Test
    void answersUnknownPathsAndMethodsInTheErrorShape() {
        assertError(client.get("/v1/nothing-here", null), 404, "not_found");
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions"))
                .PUT(HttpRequest.BodyPublishers.ofString("{}")).build();
        assertError(client.send(request), 405, "method_not_allowed");
    }

    @Test
    void everyErrorCarriesARequestId() {
        var response = client.post("/v1/chat/completions", null, "{}");
        assertThat(response.headers().firstValue("x-request-id")).isPresent();
    }

    static JsonNode assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/json"));
        JsonNode error = GatewayClient.json(response).get("error");
        assertThat(error).as(response.body()).isNotNull();
        assertThat(error.get("code").stringValue()).isEqualTo(code);
        assertThat(error.get("message").stringValue()).isNotBlank();
        assertThat(error.has("type")).isTrue();
        assertThat(error.has("param")).isTrue();
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
        return error;
    }
}
