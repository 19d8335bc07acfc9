package io.portcullis.gateway.backend.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.support.Fixtures;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Translations checked against recorded Anthropic and OpenAI payloads (test resources fixtures/). */
class AnthropicTranslationTest {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-11-27T10:00:00Z"));

    private static JsonNode fixture(String name) {
        return JSON.readTree(Fixtures.text(name));
    }

    /** The data payloads of a recorded SSE stream. */
    private static List<JsonNode> events(String name) {
        List<JsonNode> events = new ArrayList<>();
        for (String line : Fixtures.text(name).split("\n")) {
            if (line.startsWith("data:") && !line.contains("[DONE]")) {
                events.add(JSON.readTree(line.substring(5).strip()));
            }
        }
        return events;
    }

    @Test
    void translatesAnOpenAiChatWithImageToolCallsAndToolResultsToMessages() {
        JsonNode chat = fixture("openai/chat.image-url.request.json");

        JsonNode messages = AnthropicRequests.toMessages(chat, "claude-haiku-4-5", 1024);

        assertThat(messages.get("model").stringValue()).isEqualTo("claude-haiku-4-5");
        assertThat(messages.get("max_tokens").asLong()).isEqualTo(1024);
        JsonNode turns = messages.get("messages");
        // user, assistant (tool_use), user (tool_result + the image sent with it): roles alternate
        assertThat(turns.get(0).get("role").stringValue()).isEqualTo("user");
        assertThat(turns.get(1).at("/content/0/type").stringValue()).isEqualTo("tool_use");
        assertThat(turns.get(1).at("/content/0/id").stringValue()).isEqualTo("call_4hrT4QP9jfojtK69vGiFCFjG");
        assertThat(turns.get(1).at("/content/0/name").stringValue()).isEqualTo("get_image");
        assertThat(turns.get(2).get("role").stringValue()).isEqualTo("user");
        assertThat(turns.get(2).at("/content/0/type").stringValue()).isEqualTo("tool_result");
        assertThat(turns.get(2).at("/content/0/tool_use_id").stringValue()).isEqualTo("call_4hrT4QP9jfojtK69vGiFCFjG");
        assertThat(turns.toString()).contains("\"type\":\"image\"").contains("\"source\":{\"type\":\"url\"");
        for (int i = 1; i < turns.size(); i++) {
            assertThat(turns.get(i).get("role")).isNotEqualTo(turns.get(i - 1).get("role"));
        }
        assertThat(messages.at("/tools/0/name").stringValue()).isEqualTo("get_image");
        assertThat(messages.at("/tools/0/input_schema/type").stringValue()).isEqualTo("object");
    }

    @Test
    void turnsDataUriImagesIntoBase64SourcesAndSystemMessagesIntoTheSystemPrompt() {
        JsonNode chat = JSON.readTree("""
                {"model":"claude","max_completion_tokens":50,"stop":"END","messages":[
                 {"role":"system","content":"Be brief."},
                 {"role":"user","content":[{"type":"text","text":"What is it?"},
                   {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}""");

        JsonNode messages = AnthropicRequests.toMessages(chat, "claude-haiku-4-5", 1024);

        assertThat(messages.get("system").stringValue()).isEqualTo("Be brief.");
        assertThat(messages.get("max_tokens").asLong()).isEqualTo(50);
        assertThat(messages.at("/stop_sequences/0").stringValue()).isEqualTo("END");
        JsonNode image = messages.at("/messages/0/content/1/source");
        assertThat(image.get("type").stringValue()).isEqualTo("base64");
        assertThat(image.get("media_type").stringValue()).isEqualTo("image/png");
        assertThat(image.get("data").stringValue()).isEqualTo("iVBORw0KGgo=");
    }

    @Test
    void refusesAudioForAnthropicBackends() {
        JsonNode chat = fixture("openai/chat.input-audio.request.json");

        assertThatThrownBy(() -> AnthropicRequests.toMessages(chat, "claude-haiku-4-5", 1024))
                .isInstanceOf(UnsupportedContent.class).hasMessageContaining("audio");
    }

    @Test
    void translatesARecordedMessageWithCacheReadsToAChatCompletion() {
        JsonNode completion = AnthropicResponses.toChatCompletion(fixture("anthropic/messages.cache-read.response.json"),
                CLOCK);

        assertThat(completion.get("object").stringValue()).isEqualTo("chat.completion");
        assertThat(completion.at("/choices/0/message/content").stringValue()).isEqualTo("OK");
        assertThat(completion.at("/choices/0/finish_reason").stringValue()).isEqualTo("stop");
        // 10 fresh + 7351 read from cache; OpenAI counts both as prompt tokens
        assertThat(completion.at("/usage/prompt_tokens").asLong()).isEqualTo(7361);
        assertThat(completion.at("/usage/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(7351);
        assertThat(completion.at("/usage/completion_tokens").asLong()).isEqualTo(4);
        assertThat(completion.at("/usage/total_tokens").asLong()).isEqualTo(7365);
    }

    @Test
    void countsCacheWritesAsPromptTokens() {
        JsonNode usage = AnthropicResponses.usage(fixture("anthropic/messages.cache-write.response.json").get("usage"));

        assertThat(usage.at("/prompt_tokens_details/cache_write_tokens").asLong()).isEqualTo(7351);
        assertThat(usage.get("prompt_tokens").asLong()).isGreaterThanOrEqualTo(7351);
    }

    @Test
    void decodesARecordedTextStreamIntoOpenAiChunksWithUsageLast() {
        var decoder = new AnthropicStreamDecoder(CLOCK);
        List<String> out = new ArrayList<>();
        events("anthropic/messages-stream.text.sse").forEach(e -> out.addAll(decoder.onEvent(e)));

        assertThat(out.getLast()).isEqualTo(AnthropicStreamDecoder.DONE);
        List<JsonNode> chunks = out.subList(0, out.size() - 1).stream().map(JSON::readTree).toList();
        assertThat(chunks).allSatisfy(c -> assertThat(c.get("object").stringValue()).isEqualTo("chat.completion.chunk"));
        assertThat(chunks.getFirst().at("/choices/0/delta/role").stringValue()).isEqualTo("assistant");
        String text = chunks.stream().map(c -> c.at("/choices/0/delta/content").asString(""))
                .reduce("", String::concat);
        assertThat(text).isEqualTo("1\n2\n3");
        assertThat(chunks).anyMatch(c -> "stop".equals(c.at("/choices/0/finish_reason").asString(null)));
        JsonNode usage = chunks.getLast();
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.at("/usage/prompt_tokens").asLong()).isEqualTo(15);
        assertThat(usage.at("/usage/completion_tokens").asLong()).isEqualTo(9);
    }

    @Test
    void decodesARecordedToolUseStreamIntoToolCallDeltas() {
        var decoder = new AnthropicStreamDecoder(CLOCK);
        List<String> out = new ArrayList<>();
        events("anthropic/messages-stream.tool-use.sse").forEach(e -> out.addAll(decoder.onEvent(e)));
        List<JsonNode> chunks = out.stream().filter(s -> !s.equals("[DONE]")).map(JSON::readTree).toList();

        JsonNode start = chunks.stream().filter(c -> c.at("/choices/0/delta/tool_calls/0/id").isString())
                .findFirst().orElseThrow();
        assertThat(start.at("/choices/0/delta/tool_calls/0/function/name").stringValue()).isEqualTo("weather");
        String arguments = chunks.stream().map(c -> c.at("/choices/0/delta/tool_calls/0/function/arguments")
                .asString("")).reduce("", String::concat);
        assertThat(JSON.readTree(arguments).get("latitude").stringValue()).isEqualTo("52.5200");
        assertThat(chunks).anyMatch(c -> "tool_calls".equals(c.at("/choices/0/finish_reason").asString(null)));
    }

    @Test
    void decodesAMidStreamOverloadIntoAnOpenAiError() {
        var decoder = new AnthropicStreamDecoder(CLOCK);
        List<String> out = new ArrayList<>();
        events("anthropic/messages-stream.error-overloaded.sse").forEach(e -> out.addAll(decoder.onEvent(e)));

        assertThat(out).hasSize(1);
        assertThat(JSON.readTree(out.getFirst()).at("/error/type").stringValue()).isEqualTo("overloaded_error");
    }

    @Test
    void mapsARecorded529ToTheOpenAiErrorShape() {
        JsonNode error = AnthropicResponses.toOpenAiError(fixture("anthropic/error.529.overloaded_error.json"), 529);

        assertThat(error.at("/error/message").stringValue()).isEqualTo("Overloaded");
        assertThat(error.at("/error/code").stringValue()).isEqualTo("overloaded_error");
        assertThat(error.get("error").has("param")).isTrue();
    }

    @Test
    void translatesARecordedToolUseMessagesRequestToAnOpenAiChat() {
        JsonNode chat = AnthropicRequests.toChat(fixture("anthropic/messages-stream.tool-use.request.json"));

        assertThat(chat.get("max_tokens").asLong()).isEqualTo(64000);
        assertThat(chat.get("stream").booleanValue()).isTrue();
        assertThat(chat.at("/messages/0/content").stringValue()).startsWith("What's the weather in Berlin?");
        assertThat(chat.at("/tools/0/type").stringValue()).isEqualTo("function");
        assertThat(chat.at("/tools/0/function/name").stringValue()).isEqualTo("weather");
        assertThat(chat.at("/tools/0/function/parameters/required/0").stringValue()).isEqualTo("latitude");
    }

    @Test
    void translatesRecordedAnthropicImagesToOpenAiImageParts() {
        JsonNode fromUrl = AnthropicRequests.toChat(fixture("anthropic/messages.image-url.request.json"));
        JsonNode fromBase64 = AnthropicRequests.toChat(fixture("anthropic/messages.image-base64.request.json"));

        assertThat(fromUrl.at("/messages/0/content/1/image_url/url").stringValue()).startsWith("https://");
        assertThat(fromBase64.toString()).contains("\"url\":\"data:image/png;base64,");
    }

    @Test
    void refusesDocumentBlocksForOpenAiBackends() {
        JsonNode request = JSON.readTree("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
                 {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}}]}]}""");

        assertThatThrownBy(() -> AnthropicRequests.toChat(request)).isInstanceOf(UnsupportedContent.class)
                .hasMessageContaining("document");
    }

    @Test
    void encodesARecordedOpenAiToolCallStreamAsAnthropicEvents() {
        var encoder = new AnthropicStreamEncoder("gpt-4o");
        List<String> out = new ArrayList<>();
        for (String line : Fixtures.text("openai/chat-stream.tool-calls.sse").split("\n")) {
            if (line.startsWith("data:")) {
                String data = line.substring(5).strip();
                out.addAll(data.equals("[DONE]") ? encoder.finish() : encoder.onChunk(JSON.readTree(data)));
            }
        }
        out.addAll(encoder.finish()); // idempotent after [DONE]

        List<String> names = out.stream().map(e -> e.substring(7, e.indexOf('\n'))).toList();
        assertThat(names.getFirst()).isEqualTo("message_start");
        assertThat(names.subList(names.size() - 2, names.size())).containsExactly("message_delta", "message_stop");
        assertThat(names).contains("content_block_start", "content_block_delta", "content_block_stop");
        String all = String.join("", out);
        assertThat(all).contains("\"type\":\"tool_use\"").contains("input_json_delta")
                .contains("\"stop_reason\":\"tool_use\"");
    }

    @Test
    void encodesARecordedOpenAiTextStreamWithItsUsage() {
        var encoder = new AnthropicStreamEncoder("gpt-4o");
        List<String> out = new ArrayList<>();
        for (String line : Fixtures.text("openai/chat-stream.include-usage.sse").split("\n")) {
            if (line.startsWith("data:")) {
                String data = line.substring(5).strip();
                out.addAll(data.equals("[DONE]") ? encoder.finish() : encoder.onChunk(JSON.readTree(data)));
            }
        }
        String delta = out.stream().filter(e -> e.startsWith("event: message_delta")).findFirst().orElseThrow();
        JsonNode data = JSON.readTree(delta.substring(delta.indexOf("data: ") + 6).strip());
        assertThat(data.at("/delta/stop_reason").stringValue()).isEqualTo("end_turn");
        assertThat(data.at("/usage/output_tokens").asLong()).isPositive();
        assertThat(String.join("", out)).contains("Mexico");
    }
}
