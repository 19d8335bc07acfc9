package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * On {@code /v1/messages} every error of the gateway's own is in Anthropic's shape, with
 * Anthropic's types, so Anthropic's SDKs raise their usual exceptions (contract v2, section 2);
 * the contract's code rides along as {@code error.code}.
 */
class AnthropicErrorShapeTest extends GatewayIntegrationTest {

    private static final String ASK = """
            {"model":"%s","max_tokens":20,"messages":[{"role":"user","content":"%s"}]}""";

    private HttpResponse<String> messages(String key, String body) {
        return client.send(HttpRequest.newBuilder(URI.create(client.base() + "/v1/messages"))
                .header("x-api-key", key).header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static JsonNode assertAnthropicError(HttpResponse<String> answer, int status, String type, String code) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        JsonNode json = GatewayClient.json(answer);
        assertThat(json.path("type").asString()).isEqualTo("error");
        assertThat(json.at("/error/type").asString()).isEqualTo(type);
        assertThat(json.at("/error/message").asString()).isNotBlank();
        assertThat(json.at("/error/code").asString()).isEqualTo(code);
        return json;
    }

    @Test
    void refusesAWrongKeyAsAnAuthenticationError() {
        assertAnthropicError(messages("gw-not-a-real-key-0000000000000000000000", ASK.formatted("claude", "hi")), 401,
                "authentication_error", "invalid_api_key");
    }

    @Test
    void refusesAnUnknownModelAsNotFound() {
        assertAnthropicError(messages(client.createKey().secret(), ASK.formatted("no-such-model", "hi")), 404,
                "not_found_error", "model_not_found");
    }

    @Test
    void refusesAPolicyViolationAsAPermissionError() {
        var key = client.createKey("{\"name\":\"denies\",\"policy\":{\"denyPatterns\":[\"forbidden\"]}}");
        assertAnthropicError(messages(key.secret(), ASK.formatted("claude", "something forbidden")), 403,
                "permission_error", "policy_violation");
    }

    @Test
    void refusesBeyondTheRateAsARateLimitErrorWithRetryAfter() {
        var key = client.createKey("{\"name\":\"one a minute\",\"limits\":{\"requestsPerMinute\":1}}");
        messages(key.secret(), ASK.formatted("claude", "hi"));

        var refused = messages(key.secret(), ASK.formatted("claude", "hi"));

        assertAnthropicError(refused, 429, "rate_limit_error", "rate_limit_exceeded");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void refusesMalformedJsonAsAnInvalidRequest() {
        assertAnthropicError(messages(client.createKey().secret(), "{\"model\":"), 400, "invalid_request_error",
                "invalid_request_error");
    }

    @Test
    void refusesAnOversizedBodyAsRequestTooLarge() {
        String huge = ASK.formatted("claude", "x".repeat(70 * 1024)); // the test gateway takes 64 KB
        assertAnthropicError(messages(client.createKey().secret(), huge), 413, "request_too_large",
                "request_too_large");
    }

    @Test
    void keepsOpenAisShapeOnTheOpenAiEndpoints() {
        var answer = client.post("/v1/chat/completions", "gw-not-a-real-key-0000000000000000000000",
                GatewayClient.chat("fake-chat"));
        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(GatewayClient.json(answer).has("type")).isFalse();
        assertThat(GatewayClient.json(answer).at("/error/code").asString()).isEqualTo("invalid_api_key");
    }
}
