package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Both protocols end to end: OpenAI clients on an Anthropic backend ("claude", replaying recorded
 * Anthropic answers), Anthropic clients on {@code POST /v1/messages} to OpenAI-compatible and
 * Anthropic backends, and Ollama's quirks.
 */
class AnthropicProtocolTest extends GatewayIntegrationTest {

    private final ScriptedBackend scripted = TestGateway.backend();

    private static final String MESSAGES = """
            {"model":"%s","max_tokens":100,%s"messages":[{"role":"user","content":"What is the capital of Mexico?"}]}""";

    private HttpResponse<String> messages(String key, String body) {
        return client.send(HttpRequest.newBuilder(URI.create(client.base() + "/v1/messages"))
                .header("x-api-key", key)
                .header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static List<String> dataLines(String body) {
        return body.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    }

    @Test
    void answersAnOpenAiChatFromAnAnthropicBackendWithUsageMapped() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("claude"));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode json = GatewayClient.json(answer);
        assertThat(json.get("object").stringValue()).isEqualTo("chat.completion");
        assertThat(json.at("/choices/0/message/content").stringValue()).isEqualTo("OK");
        assertThat(json.at("/usage/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(7351);
        String sent = scripted.bodies("claude").getLast();
        assertThat(sent).contains("\"model\":\"claude-haiku-4-5\"").contains("\"max_tokens\":1024");
        assertThat(scripted.header("claude", "x-api-key")).isEqualTo(TestGateway.ANTHROPIC_KEY);
        assertThat(scripted.header("claude", "anthropic-version")).isEqualTo("2023-06-01");
        assertThat(scripted.header("claude", "authorization")).isNull();
        awaitUsageRows(key.id(), 1);
        Map<String, Object> row = jdbc.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
        assertThat(row).containsEntry("backend", "claude").containsEntry("prompt_tokens", 7361)
                .containsEntry("cached_tokens", 7351).containsEntry("completion_tokens", 4);
    }

    @Test
    void streamsAnAnthropicBackendAsOpenAiChunks() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), """
                {"model":"claude","stream":true,"stream_options":{"include_usage":true},\
                "messages":[{"role":"user","content":"Count to 3"}]}""");

        assertThat(answer.statusCode()).isEqualTo(200);
        List<String> data = dataLines(answer.body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        assertThat(data).anyMatch(d -> d.contains("\"content\":\"1\\n2\\n3\""));
        assertThat(data.get(data.size() - 2)).contains("\"prompt_tokens\":15").contains("\"completion_tokens\":9");
        awaitUsageRows(key.id(), 1);
        assertThat(jdbc.queryForObject("select completion_tokens from usage_event_named where key_id = ?::uuid",
                Integer.class, key.id())).isEqualTo(9);
    }

    @Test
    void mapsAnAnthropicOverloadToTheContractAfterRetrying() {
        var key = client.createKey();
        int before = scripted.count("claude");

        var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("claude-overloaded"));

        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(GatewayClient.json(answer).at("/error/code").stringValue()).isEqualTo("overloaded_error");
        assertThat(GatewayClient.json(answer).at("/error/message").stringValue()).isEqualTo("Overloaded");
        assertThat(scripted.count("claude") - before).isEqualTo(3);
    }

    @Test
    void refusesAudioForAnAnthropicBackendWith400() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), """
                {"model":"claude","messages":[{"role":"user","content":[\
                {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}""");

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(GatewayClient.json(answer).at("/error/code").stringValue()).isEqualTo("invalid_request_error");
    }

    @Test
    void answersMessagesFromAnOpenAiBackendInAnthropicShape() {
        var key = client.createKey();

        var answer = messages(key.secret(), MESSAGES.formatted("fake-chat", ""));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode json = GatewayClient.json(answer);
        assertThat(json.get("type").stringValue()).isEqualTo("message");
        assertThat(json.at("/content/0/type").stringValue()).isEqualTo("text");
        assertThat(json.at("/content/0/text").stringValue()).isNotBlank();
        assertThat(json.get("stop_reason").stringValue()).isEqualTo("end_turn");
        assertThat(json.at("/usage/output_tokens").asLong()).isPositive();
        String sent = backend.lastFor("fake", "fake-chat").body();
        assertThat(sent).contains("\"role\":\"user\"").contains("\"max_tokens\":100");
        awaitUsageRows(key.id(), 1);
        Map<String, Object> row = jdbc.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
        assertThat(row).containsEntry("endpoint", "messages").containsEntry("backend", "fake").containsEntry("status", 200);
        assertThat((Integer) row.get("prompt_tokens")).isPositive();
    }

    @Test
    void streamsMessagesFromAnOpenAiBackendAsAnthropicEvents() {
        var key = client.createKey();

        var answer = messages(key.secret(), MESSAGES.formatted("fake-chat", "\"stream\":true,"));

        assertThat(answer.statusCode()).isEqualTo(200);
        List<String> events = answer.body().lines().filter(l -> l.startsWith("event: ")).map(l -> l.substring(7))
                .toList();
        assertThat(events.getFirst()).isEqualTo("message_start");
        assertThat(events).contains("content_block_start", "content_block_delta", "content_block_stop");
        assertThat(events.subList(events.size() - 2, events.size())).containsExactly("message_delta", "message_stop");
        assertThat(answer.body()).contains("Mexico").doesNotContain("[DONE]").doesNotContain("chat.completion.chunk");
        awaitUsageRows(key.id(), 1);
        assertThat(jdbc.queryForObject("select completion_tokens from usage_event_named where key_id = ?::uuid",
                Integer.class, key.id())).isPositive();
    }

    @Test
    void passesMessagesToAnAnthropicBackendNatively() {
        var key = client.createKey();

        var answer = messages(key.secret(), """
                {"model":"claude","max_tokens":64,"system":[{"type":"text","text":"Be brief","cache_control":\
                {"type":"ephemeral"}}],"messages":[{"role":"user","content":"Say OK"}]}""");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(GatewayClient.json(answer).get("id").stringValue()).isEqualTo("msg_011CeCGmJuBv4nzeaMk9ez38");
        // sent as written, cache_control and all, only the model renamed
        String sent = scripted.bodies("claude").getLast();
        assertThat(sent).contains("cache_control").contains("\"model\":\"claude-haiku-4-5\"");
        awaitUsageRows(key.id(), 1);
        assertThat(jdbc.queryForObject("select cached_tokens from usage_event_named where key_id = ?::uuid",
                Integer.class, key.id())).isEqualTo(7351);
    }

    @Test
    void streamsMessagesFromAnAnthropicBackendUntouched() {
        var key = client.createKey();

        var answer = messages(key.secret(), MESSAGES.formatted("claude", "\"stream\":true,"));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("event: message_start").contains("\"text\":\"1\\n2\\n3\"")
                .contains("event: message_stop");
        awaitUsageRows(key.id(), 1);
        assertThat(jdbc.queryForObject("select completion_tokens from usage_event_named where key_id = ?::uuid",
                Integer.class, key.id())).isEqualTo(9);
    }

    private static final String DOCUMENT = """
            {"model":"%s","max_tokens":50,"messages":[{"role":"user","content":[{"type":"text","text":"Summarise"},\
            {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0xLjQ="}}]}]}""";

    @Test
    void passesADocumentNativelyToAnAnthropicBackend() {
        var key = client.createKey();

        var answer = messages(key.secret(), DOCUMENT.formatted("claude"));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(scripted.bodies("claude").getLast()).contains("\"type\":\"document\"");
    }

    @Test
    void refusesADocumentForAnOpenAiBackendWith400() {
        var key = client.createKey();
        int before = backend.received("fake").size();

        var answer = messages(key.secret(), DOCUMENT.formatted("fake-chat"));

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(GatewayClient.json(answer).at("/error/message").stringValue()).contains("document");
        assertThat(backend.received("fake")).hasSize(before);
    }

    @Test
    void holdsADocumentToTheKeysModalityPolicy() {
        var key = client.createKey("{\"name\":\"text only\",\"policy\":{\"modalities\":[\"text\"]}}");

        var answer = messages(key.secret(), DOCUMENT.formatted("claude"));

        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(GatewayClient.json(answer).at("/error/code").stringValue()).isEqualTo("policy_violation");
    }

    @Test
    void refusesMessagesWithoutAValidKey() {
        var answer = messages("gw-not-a-real-key-0000000000000000000000", MESSAGES.formatted("claude", ""));

        assertThat(answer.statusCode()).isEqualTo(401);
    }

    @Test
    void appliesTheKeysModelPolicyOnTheMessagesFrontDoor() {
        var key = client.createKey("{\"name\":\"only fake\",\"models\":[\"fake-chat\"]}");

        var answer = messages(key.secret(), MESSAGES.formatted("claude", ""));

        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(GatewayClient.json(answer).at("/error/code").stringValue()).isEqualTo("model_not_allowed");
    }

    @Test
    void sendsOllamaItsUpstreamNameAndBillsItsMissingPromptCount() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), """
                {"model":"gpt-4o-mini","max_completion_tokens":20,"messages":[{"role":"user","content":"Hello there"}]}""");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        String sent = scripted.bodies("ollama").getLast();
        assertThat(sent).contains("\"model\":\"llama3.2:3b\"").contains("\"max_tokens\":20")
                .doesNotContain("max_completion_tokens");
        awaitUsageRows(key.id(), 1);
        Map<String, Object> row = jdbc.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
        // the recorded Ollama answer says prompt_tokens 0: the gateway's estimate is billed instead
        assertThat((Integer) row.get("prompt_tokens")).isPositive();
        assertThat(row).containsEntry("completion_tokens", 26).containsEntry("backend", "ollama");
    }
}
