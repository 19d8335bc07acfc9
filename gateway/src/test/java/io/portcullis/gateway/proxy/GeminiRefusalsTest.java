package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.FakeGemini;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * What a Gemini deployment refuses, and how: Google's errors in the contract's codes (the
 * gateway's upstream key refused is a 502, never the client's 401), the key's modality policy
 * before anything is sent, and requests with no Gemini form as a clear 400.
 */
class GeminiRefusalsTest extends GatewayIntegrationTest {

    private final ScriptedBackend scripted = TestGateway.backend();

    private static JsonNode assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = GatewayClient.json(response).path("error");
        assertThat(error.path("code").asString()).as(response.body()).isEqualTo(code);
        return error;
    }

    @Test
    void mapsResourceExhaustedToRateLimitExceededAfterRetrying() {
        var key = client.createKey();
        int before = scripted.count(TestGateway.GEMINI);

        var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("gemini-busy"));

        JsonNode error = assertError(answer, 429, "rate_limit_exceeded");
        assertThat(error.path("message").asString()).startsWith("Quota exceeded");
        assertThat(answer.body()).doesNotContain("details").doesNotContain("RESOURCE_EXHAUSTED\"");
        assertThat(scripted.count(TestGateway.GEMINI) - before).isEqualTo(3);
    }

    @Test
    void mapsNotFoundToModelNotFound() {
        var answer = client.post("/v1/chat/completions", client.createKey().secret(),
                GatewayClient.chat("gemini-missing"));

        assertThat(assertError(answer, 404, "model_not_found").path("message").asString()).contains("is not found");
    }

    @Test
    void mapsAnUpstreamApiKeyErrorTo502NotTheClients401() {
        var answer = client.post("/v1/chat/completions", client.createKey().secret(),
                GatewayClient.chat("gemini-bad-key"));

        JsonNode error = assertError(answer, 502, "upstream_error");
        assertThat(error.path("message").asString()).contains("gateway's API key");
        // Google's DebugInfo quotes the key it was given: never relayed
        assertThat(answer.body()).doesNotContain("key1234");
    }

    @Test
    void mapsPermissionDeniedTo502() {
        var answer = client.post("/v1/chat/completions", client.createKey().secret(),
                GatewayClient.chat("gemini-denied"));

        assertError(answer, 502, "upstream_error");
    }

    @Test
    void mapsUnavailableToUpstreamUnavailable() {
        var answer = client.post("/v1/chat/completions", client.createKey().secret(),
                GatewayClient.chat("gemini-down"));

        assertThat(assertError(answer, 503, "upstream_unavailable").path("message").asString())
                .contains("overloaded");
    }

    @Test
    void mapsAnInternalErrorTo502() {
        var answer = client.post("/v1/chat/completions", client.createKey().secret(),
                GatewayClient.chat("gemini-broken"));

        assertError(answer, 502, "upstream_error");
    }

    @Test
    void endsAStreamThatFailsMidWayWithAnErrorAndBillsItsReservation() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), """
                {"model":"gemini-failing-stream","stream":true,"messages":[{"role":"user","content":"Wyoming?"}]}""");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("\"content\":\"The\"").contains("\"code\":\"upstream_error\"")
                .doesNotContain("[DONE]");
        awaitUsageRows(key.id(), 1);
        var row = jdbc.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
        // the running counts of the first event are no final report: the reservation is billed
        assertThat(row).containsEntry("outcome", "upstream_broken").containsEntry("billed_by", "streamed");
        assertThat((Integer) row.get("completion_tokens")).isGreaterThan(1);
    }

    @Test
    void mapsInvalidArgumentTo400() {
        // a chat whose only message is a system prompt: Gemini has no contents to answer
        var answer = client.post("/v1/chat/completions", client.createKey().secret(), """
                {"model":"gemini","messages":[{"role":"system","content":"You are terse."}]}""");

        assertThat(assertError(answer, 400, "invalid_request_error").path("message").asString())
                .contains("contents is not specified");
    }

    @Test
    void answersAnthropicClientsGoogleErrorsInAnthropicsShape() {
        var answer = client.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(client.base() + "/v1/messages"))
                .header("x-api-key", client.createKey().secret()).header("content-type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("""
                        {"model":"gemini-missing","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}"""))
                .build());

        assertThat(answer.statusCode()).isEqualTo(404);
        JsonNode json = GatewayClient.json(answer);
        assertThat(json.get("type").stringValue()).isEqualTo("error");
        assertThat(json.at("/error/type").stringValue()).isEqualTo("not_found_error");
    }

    @Test
    void refusesAnImageToATextOnlyKeyBeforeCallingGemini() {
        var key = client.createKey("{\"name\":\"text only\",\"policy\":{\"modalities\":[\"text\"]}}");
        int before = scripted.count(TestGateway.GEMINI);

        var answer = client.post("/v1/chat/completions", key.secret(), """
                {"model":"gemini","messages":[{"role":"user","content":[{"type":"text","text":"What is it?"},\
                {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}""");

        assertError(answer, 403, "policy_violation");
        assertThat(scripted.count(TestGateway.GEMINI)).isEqualTo(before);
    }

    @Test
    void refusesAnImageLinkWith400() {
        int before = scripted.count(TestGateway.GEMINI);

        var answer = client.post("/v1/chat/completions", client.createKey().secret(), """
                {"model":"gemini","messages":[{"role":"user","content":[\
                {"type":"image_url","image_url":{"url":"https://example.com/organ.jpg"}}]}]}""");

        assertThat(assertError(answer, 400, "invalid_request_error").path("message").asString()).contains("data: URL");
        assertThat(scripted.count(TestGateway.GEMINI)).isEqualTo(before);
    }

    @Test
    void refusesLegacyCompletionsNamingTheModel() {
        var answer = client.post("/v1/completions", client.createKey().secret(),
                "{\"model\":\"gemini\",\"prompt\":\"Once upon\"}");

        assertThat(assertError(answer, 400, "invalid_request_error").path("message").asString())
                .contains("'gemini'").contains("Gemini");
    }

    @Test
    void refusesTokenIdsForEmbeddingsWith400() {
        var answer = client.post("/v1/embeddings", client.createKey().secret(),
                "{\"model\":\"gemini-embed\",\"input\":[[1,2,3]]}");

        assertThat(assertError(answer, 400, "invalid_request_error").path("param").asString()).isEqualTo("input");
    }

    @Test
    void neverSendsTheClientsOwnKeyOrHeadersToGoogle() {
        var key = client.createKey();

        var answer = client.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(client.base() + "/v1/chat/completions"))
                .header("authorization", "Bearer " + key.secret()).header("content-type", "application/json")
                .header("x-goog-api-key", "AIza-the-clients-own").header("accept", "application/xml")
                .header("x-goog-user-project", "someone-elses-project")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(GatewayClient.chat("gemini"))).build());

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(scripted.header(TestGateway.GEMINI, "x-goog-api-key")).isEqualTo(FakeGemini.KEY);
        assertThat(scripted.header(TestGateway.GEMINI, "x-goog-user-project")).isNull();
        assertThat(scripted.header(TestGateway.GEMINI, "authorization")).isNull();
        assertThat(scripted.header(TestGateway.GEMINI, "accept")).isEqualTo("application/json, text/event-stream");
    }
}
