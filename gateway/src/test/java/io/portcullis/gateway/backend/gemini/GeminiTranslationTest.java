package io.portcullis.gateway.backend.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.backend.anthropic.UnsupportedContent;
import io.portcullis.gateway.support.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Translations checked against recorded and documented Gemini payloads (test resources
 * fixtures/google; sources in shared/fixtures/README.md and fixtures/google/AUTHORED.md). Each test
 * names the documented fields it exercises.
 */
class GeminiTranslationTest {

    private static final JsonMapper JSON = JsonMapper.shared();

    private static JsonNode fixture(String name) {
        return JSON.readTree(Fixtures.text("google/" + name));
    }

    /** The data payloads of a recorded {@code alt=sse} stream, split as the recording is: CRLF lines. */
    private static List<JsonNode> events(String name) {
        List<JsonNode> events = new ArrayList<>();
        for (String line : Fixtures.text("google/" + name).split("\r\n")) {
            if (line.startsWith("data:")) {
                events.add(JSON.readTree(line.substring(5).strip()));
            }
        }
        return events;
    }

    /** candidates[].content.parts[].text, finishReason STOP, usageMetadata prompt/candidates counts, modelVersion. */
    @Test
    void turnsATextAnswerIntoAChatCompletion() {
        JsonNode completion = GeminiResponses.toChatCompletion(fixture("generate-content.text.response.json"),
                "req1", "gemini", 1_700_000_000L);

        assertThat(completion.get("object").stringValue()).isEqualTo("chat.completion");
        assertThat(completion.get("id").stringValue()).isEqualTo("chatcmpl-req1");
        assertThat(completion.get("model").stringValue()).isEqualTo("gemini-2.0-flash");
        assertThat(completion.at("/choices/0/message/role").stringValue()).isEqualTo("assistant");
        assertThat(completion.at("/choices/0/message/content").stringValue())
                .isEqualTo("Google's headquarters, also known as the Googleplex, is located in **Mountain View, California**.\n");
        assertThat(completion.at("/choices/0/finish_reason").stringValue()).isEqualTo("stop");
        assertThat(completion.at("/usage/prompt_tokens").asLong()).isEqualTo(7);
        assertThat(completion.at("/usage/completion_tokens").asLong()).isEqualTo(22);
        assertThat(completion.at("/usage/total_tokens").asLong()).isEqualTo(29);
    }

    /** parts[].thought, usageMetadata.thoughtsTokenCount (outside candidatesTokenCount), responseId. */
    @Test
    void countsThoughtsAsCompletionTokensAndLeavesThemOutOfTheContent() {
        JsonNode completion = GeminiResponses.toChatCompletion(fixture("generate-content.thinking.response.json"),
                "req1", "gemini", 0);

        assertThat(completion.get("id").stringValue()).isEqualTo("chatcmpl-2pmHaJqQEoqC-8YP6eStyAY");
        assertThat(completion.at("/choices/0/message/content").stringValue()).isEqualTo("Mountain View");
        assertThat(completion.at("/usage/prompt_tokens").asLong()).isEqualTo(14);
        assertThat(completion.at("/usage/completion_tokens").asLong()).isEqualTo(2 + 24);
        assertThat(completion.at("/usage/completion_tokens_details/reasoning_tokens").asLong()).isEqualTo(24);
        // Google's total (40) agrees: thoughts are output the model was paid to write
        assertThat(completion.at("/usage/total_tokens").asLong()).isEqualTo(40);
    }

    /** usageMetadata.cachedContentTokenCount, a part of promptTokenCount (explicit cache). */
    @Test
    void reportsCachedContentAsCachedPromptTokens() {
        JsonNode usage = GeminiResponses.usage(fixture("generate-content.cached-content.response.json")
                .path("usageMetadata"));

        assertThat(usage.get("prompt_tokens").asLong()).isEqualTo(323388);
        assertThat(usage.at("/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(323383);
        assertThat(usage.get("completion_tokens").asLong()).isEqualTo(397);
    }

    /** Vertex implicit caching: cachedContentTokenCount with cacheTokensDetails, and thoughtsTokenCount. */
    @Test
    void addsThoughtsToCandidatesWhenBothAreReported() {
        JsonNode usage = GeminiResponses.usage(fixture("vertex.generate-content.implicit-cache.response.json")
                .path("usageMetadata"));

        assertThat(usage.get("prompt_tokens").asLong()).isEqualTo(12013);
        assertThat(usage.at("/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(11243);
        assertThat(usage.get("completion_tokens").asLong()).isEqualTo(15 + 73);
    }

    /** parts[].functionCall {name, args}, usageMetadata.toolUsePromptTokenCount. */
    @Test
    void turnsAFunctionCallIntoToolCallsAndCountsToolUsePromptTokens() {
        JsonNode completion = GeminiResponses.toChatCompletion(fixture("generate-content.function-call.response.json"),
                "req1", "gemini", 0);

        JsonNode choice = completion.at("/choices/0");
        assertThat(choice.get("finish_reason").stringValue()).isEqualTo("tool_calls");
        assertThat(choice.at("/message/content").isNull()).isTrue();
        assertThat(choice.at("/message/tool_calls/0/type").stringValue()).isEqualTo("function");
        assertThat(choice.at("/message/tool_calls/0/function/name").stringValue()).isEqualTo("get_current_weather");
        assertThat(JSON.readTree(choice.at("/message/tool_calls/0/function/arguments").stringValue()))
                .isEqualTo(JSON.readTree("{\"location\":\"Boston, MA\",\"unit\":\"celsius\"}"));
        assertThat(completion.at("/usage/prompt_tokens").asLong()).isEqualTo(62 + 12);
        assertThat(completion.at("/usage/completion_tokens").asLong()).isEqualTo(21);
    }

    /** The REST sample's request: contents[].parts[] with text and inline_data {mime_type, data}. */
    @Test
    void buildsTheDocumentedMultimodalRequestFromAnOpenAiChat() {
        JsonNode sample = fixture("generate-content.inline-image.request.json");
        String data = sample.at("/contents/0/parts/1/inline_data/data").stringValue();
        JsonNode chat = JSON.readTree("""
                {"model":"gemini","messages":[{"role":"user","content":[{"type":"text","text":"Tell me about this instrument"},
                 {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,%s"}}]}]}""".formatted(data));

        JsonNode body = GeminiRequests.toGenerateContent(chat, -1);

        // the SDKs' camelCase, which the API takes as well as the REST sample's snake_case
        JsonNode parts = body.at("/contents/0/parts");
        assertThat(parts.at("/0/text")).isEqualTo(sample.at("/contents/0/parts/0/text"));
        assertThat(parts.at("/1/inlineData/mimeType")).isEqualTo(sample.at("/contents/0/parts/1/inline_data/mime_type"));
        assertThat(parts.at("/1/inlineData/data").stringValue()).isEqualTo(data);
        assertThat(body.at("/contents/0/role").stringValue()).isEqualTo("user");
        assertThat(body.has("generationConfig")).isFalse();
    }

    /** Roles user/model, systemInstruction, functionCall and functionResponse turns, generationConfig. */
    @Test
    void translatesAConversationWithToolCallsAndSettings() {
        JsonNode chat = JSON.readTree("""
                {"model":"gemini","max_tokens":100,"top_p":0.9,"n":2,"stop":["END","STOP"],
                 "response_format":{"type":"json_object"},"tool_choice":{"type":"function","function":{"name":"weather"}},
                 "tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}],
                 "messages":[{"role":"developer","content":"Be brief."},
                  {"role":"user","content":"Weather in Paris and Rome?"},
                  {"role":"assistant","content":null,"tool_calls":[
                   {"id":"c1","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                   {"id":"c2","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"{\\"celsius\\":21}"},
                  {"role":"tool","tool_call_id":"c2","content":"sunny"},
                  {"role":"user","content":[{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}""");

        JsonNode body = GeminiRequests.toGenerateContent(chat, 100);

        assertThat(body.at("/systemInstruction/parts/0/text").stringValue()).isEqualTo("Be brief.");
        JsonNode contents = body.get("contents");
        assertThat(contents).hasSize(3);
        assertThat(contents.at("/1/role").stringValue()).isEqualTo("model");
        assertThat(contents.at("/1/parts/1/functionCall/args/city").stringValue()).isEqualTo("Rome");
        // both results in one user turn, named after their calls; the audio joins that turn
        assertThat(contents.at("/2/role").stringValue()).isEqualTo("user");
        assertThat(contents.at("/2/parts/0/functionResponse/name").stringValue()).isEqualTo("weather");
        assertThat(contents.at("/2/parts/0/functionResponse/response/celsius").asInt()).isEqualTo(21);
        assertThat(contents.at("/2/parts/1/functionResponse/response/content").stringValue()).isEqualTo("sunny");
        assertThat(contents.at("/2/parts/2/inlineData/mimeType").stringValue()).isEqualTo("audio/wav");
        JsonNode config = body.get("generationConfig");
        assertThat(config.get("maxOutputTokens").asLong()).isEqualTo(100);
        assertThat(config.get("topP").asDouble()).isEqualTo(0.9);
        assertThat(config.get("candidateCount").asInt()).isEqualTo(2);
        assertThat(config.get("stopSequences")).hasSize(2);
        assertThat(config.get("responseMimeType").stringValue()).isEqualTo("application/json");
        assertThat(body.at("/toolConfig/functionCallingConfig/mode").stringValue()).isEqualTo("ANY");
        assertThat(body.at("/toolConfig/functionCallingConfig/allowedFunctionNames/0").stringValue()).isEqualTo("weather");
    }

    @Test
    void refusesContentGeminiCannotTake() {
        assertThatThrownBy(() -> GeminiRequests.toGenerateContent(JSON.readTree("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}"""), -1))
                .isInstanceOf(UnsupportedContent.class).hasMessageContaining("data: URL");
        assertThatThrownBy(() -> GeminiRequests.toGenerateContent(JSON.readTree("""
                {"messages":[{"role":"tool","tool_call_id":"nowhere","content":"42"}]}"""), -1))
                .isInstanceOf(UnsupportedContent.class).hasMessageContaining("no earlier tool call");
        assertThatThrownBy(() -> GeminiRequests.toGenerateContent(JSON.readTree("""
                {"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"web_search"}]}"""), -1))
                .isInstanceOf(UnsupportedContent.class).hasMessageContaining("web_search");
    }

    /** The documented batch request: requests[] {model: models/..., content.parts[].text}. */
    @Test
    void buildsTheDocumentedEmbeddingBatch() {
        JsonNode embeddings = JSON.readTree("""
                {"model":"gemini-embed","input":["What is the meaning of life?",
                 "How much wood would a woodchuck chuck?","How does the brain work?"]}""");

        JsonNode body = GeminiRequests.toBatchEmbed(embeddings, "models/gemini-embedding-001");

        assertThat(body).isEqualTo(fixture("batch-embed-contents.request.json"));
    }

    /** embeddings[].values; no usageMetadata: the estimate is shown, nothing is reported. */
    @Test
    void turnsABatchAnswerIntoAnEmbeddingsList() {
        JsonNode answer = fixture("batch-embed-contents.response.json");

        JsonNode list = GeminiResponses.toEmbeddings(answer, "gemini-embed", false, 42);

        assertThat(GeminiResponses.embeddingTokens(answer)).isZero();
        assertThat(list.get("data")).hasSize(3);
        assertThat(list.at("/data/1/index").asInt()).isEqualTo(1);
        assertThat(list.at("/data/1/embedding/0").floatValue()).isEqualTo(-0.007975887f);
        assertThat(list.at("/usage/prompt_tokens").asLong()).isEqualTo(42);
    }

    /** The recorded alt=sse stream: running usageMetadata, finishReason only on the last event. */
    @Test
    void decodesTheRecordedStreamIntoChunksAndTakesTheLastCounts() {
        var decoder = new GeminiStreamDecoder("req1", "gemini", 0);
        List<String> payloads = new ArrayList<>();

        for (JsonNode event : events("stream-generate-content.text.sse")) {
            payloads.addAll(decoder.onEvent(event));
            assertThat(decoder.finished()).isEqualTo(event.at("/candidates/0/finishReason").isString());
        }
        payloads.addAll(decoder.finish());

        // role, 3 content deltas, the finish chunk, the usage chunk, [DONE]
        assertThat(payloads).hasSize(7);
        assertThat(payloads.getFirst()).contains("\"role\":\"assistant\"");
        assertThat(payloads.get(4)).contains("\"finish_reason\":\"stop\"");
        JsonNode usage = JSON.readTree(payloads.get(5));
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.at("/usage/prompt_tokens").asLong()).isEqualTo(7);
        assertThat(usage.at("/usage/completion_tokens").asLong()).isEqualTo(10);
        assertThat(payloads.getLast()).isEqualTo("[DONE]");
    }

    /** The recorded thinking stream: thought parts dropped, thoughtsTokenCount billed as completion. */
    @Test
    void dropsStreamedThoughtsButCountsThem() {
        var decoder = new GeminiStreamDecoder("req1", "gemini", 0);
        List<String> payloads = new ArrayList<>();
        for (JsonNode event : events("stream-generate-content.thinking.sse")) {
            payloads.addAll(decoder.onEvent(event));
        }

        assertThat(String.join("", payloads)).doesNotContain("Sky Color").contains("tiny gas molecules");
        assertThat(decoder.usage().get("completion_tokens").asLong()).isEqualTo(48 + 540);
        assertThat(JSON.readTree(payloads.getFirst()).get("id").stringValue()).isEqualTo("chatcmpl-0J-HaJetAqv0jrEPwu-tsQ0");
    }

    /** promptFeedback.blockReason with no candidates: the prompt was blocked, whole or streamed. */
    @Test
    void endsABlockedPromptWithContentFilter() {
        JsonNode blocked = JSON.readTree("""
                {"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":9,"totalTokenCount":9}}""");

        assertThat(GeminiResponses.toChatCompletion(blocked, "r", "gemini", 0).at("/choices/0/finish_reason")
                .stringValue()).isEqualTo("content_filter");
        var decoder = new GeminiStreamDecoder("r", "gemini", 0);
        assertThat(decoder.onEvent(blocked)).last().asString().contains("\"finish_reason\":\"content_filter\"");
        assertThat(decoder.finished()).isTrue();
        assertThat(decoder.usage().get("prompt_tokens").asLong()).isEqualTo(9);
    }

    /** error {code, status, details[ErrorInfo reason]} for each recorded and documented status. */
    @Test
    void mapsGooglesErrorsToTheContractsCodes() {
        assertThat(GeminiError.of(429, fixture("error.429.resource_exhausted.json")))
                .extracting(GeminiError::status, GeminiError::code).containsExactly(429, "rate_limit_exceeded");
        assertThat(GeminiError.of(404, fixture("error.404.not_found.json")))
                .extracting(GeminiError::status, GeminiError::code).containsExactly(404, "model_not_found");
        // INVALID_ARGUMENT, but its reason is API_KEY_INVALID: the gateway's key, not the request
        GeminiError key = GeminiError.of(400, fixture("error.400.invalid_argument.api-key.json"));
        assertThat(key).extracting(GeminiError::status, GeminiError::code).containsExactly(502, "upstream_error");
        assertThat(key.toOpenAi().toString()).doesNotContain("key1234");
        assertThat(GeminiError.of(403, fixture("error.403.permission_denied.json")))
                .extracting(GeminiError::status, GeminiError::code).containsExactly(502, "upstream_error");
        assertThat(GeminiError.of(503, fixture("error.503.unavailable.json")))
                .extracting(GeminiError::status, GeminiError::code).containsExactly(503, "upstream_unavailable");
        assertThat(GeminiError.of(500, fixture("error.500.internal.json")))
                .extracting(GeminiError::status, GeminiError::code).containsExactly(502, "upstream_error");
        assertThat(GeminiError.of(400, JSON.readTree("{\"error\":{\"code\":400,\"message\":\"bad\",\"status\":"
                + "\"INVALID_ARGUMENT\"}}"))).extracting(GeminiError::status, GeminiError::code)
                .containsExactly(400, "invalid_request_error");
        assertThat(GeminiError.of(502, null)).extracting(GeminiError::status).isEqualTo(502);
    }
}
