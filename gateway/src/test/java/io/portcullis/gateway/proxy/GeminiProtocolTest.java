package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.FakeGemini;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI and Anthropic clients on a Gemini backend, end to end: the scripted deployment
 * {@code gemini} ({@link FakeGemini}) replays recorded Gemini answers and checks the path, the
 * {@code x-goog-api-key} header and the body's shape, as Google would. Usage is checked in the
 * ledger, where thinking tokens must be billed as output.
 */
class GeminiProtocolTest extends GatewayIntegrationTest {

    private final ScriptedBackend scripted = TestGateway.backend();

    private JsonNode lastUpstreamBody() {
        return GatewayClient.JSON.readTree(scripted.bodies(TestGateway.GEMINI).getLast());
    }

    private Map<String, Object> ledgerRow(GatewayClient.Key key) {
        awaitUsageRows(key.id(), 1);
        return jdbc.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
    }

    private static List<String> dataLines(String body) {
        return body.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    }

    @Test
    void translatesAChatToGenerateContentWithTheUpstreamKeyAndBillsWhatGoogleReports() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), """
                {"model":"gemini","temperature":0.2,"stop":"END","messages":[
                 {"role":"system","content":"Answer briefly."},
                 {"role":"user","content":"Where is Google's headquarters?"}]}""");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode json = GatewayClient.json(answer);
        assertThat(json.get("object").stringValue()).isEqualTo("chat.completion");
        assertThat(json.at("/choices/0/message/content").stringValue()).startsWith("Google's headquarters");
        assertThat(json.at("/choices/0/finish_reason").stringValue()).isEqualTo("stop");
        assertThat(json.at("/usage/prompt_tokens").asLong()).isEqualTo(7);
        assertThat(json.at("/usage/completion_tokens").asLong()).isEqualTo(22);
        assertThat(FakeGemini.lastPath()).isEqualTo("/models/gemini-2.0-flash:generateContent");
        assertThat(scripted.header(TestGateway.GEMINI, "x-goog-api-key")).isEqualTo(FakeGemini.KEY);
        assertThat(scripted.header(TestGateway.GEMINI, "authorization")).isNull();
        JsonNode sent = lastUpstreamBody();
        assertThat(sent.at("/systemInstruction/parts/0/text").stringValue()).isEqualTo("Answer briefly.");
        assertThat(sent.at("/contents/0/role").stringValue()).isEqualTo("user");
        assertThat(sent.at("/contents/0/parts/0/text").stringValue()).isEqualTo("Where is Google's headquarters?");
        assertThat(sent.at("/generationConfig/temperature").asDouble()).isEqualTo(0.2);
        assertThat(sent.at("/generationConfig/stopSequences/0").stringValue()).isEqualTo("END");
        assertThat(sent.has("messages")).isFalse();
        assertThat(sent.has("model")).isFalse();
        assertThat(ledgerRow(key)).containsEntry("backend", "gemini").containsEntry("prompt_tokens", 7)
                .containsEntry("completion_tokens", 22).containsEntry("billed_by", "reported");
    }

    @Test
    void streamsARecordedCrlfStreamAsOpenAiChunksEndingWithDone() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), """
                {"model":"gemini","stream":true,"stream_options":{"include_usage":true},\
                "messages":[{"role":"user","content":"What is the capital of Wyoming?"}]}""");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(FakeGemini.lastPath()).isEqualTo("/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
        List<String> data = dataLines(answer.body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        assertThat(data.getFirst()).contains("\"role\":\"assistant\"");
        String text = data.stream().filter(d -> d.contains("chat.completion.chunk"))
                .map(d -> GatewayClient.JSON.readTree(d).at("/choices/0/delta/content").asString(""))
                .reduce("", String::concat);
        assertThat(text).isEqualTo("The capital of Wyoming is **Cheyenne**.\n");
        assertThat(data).anyMatch(d -> d.contains("\"finish_reason\":\"stop\""));
        JsonNode usage = GatewayClient.JSON.readTree(data.get(data.size() - 2));
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.at("/usage/prompt_tokens").asLong()).isEqualTo(7);
        assertThat(usage.at("/usage/completion_tokens").asLong()).isEqualTo(10);
        assertThat(answer.body()).doesNotContain("\r").doesNotContain("usageMetadata");
        assertThat(ledgerRow(key)).containsEntry("completion_tokens", 10).containsEntry("billed_by", "reported")
                .containsEntry("streamed", true);
    }

    @Test
    void hidesTheUsageChunkFromAStreamingClientThatDidNotAskForIt() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), """
                {"model":"gemini","stream":true,"messages":[{"role":"user","content":"Wyoming?"}]}""");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(dataLines(answer.body())).noneMatch(d -> d.contains("\"choices\":[]")).endsWith("[DONE]");
        assertThat(ledgerRow(key)).containsEntry("completion_tokens", 10);
    }

    @Test
    void billsThinkingTokensAsCompletionAndKeepsThoughtsOutOfTheAnswer() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("gemini-thinking"));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode json = GatewayClient.json(answer);
        assertThat(json.at("/choices/0/message/content").stringValue()).isEqualTo("Mountain View");
        // candidatesTokenCount 2 + thoughtsTokenCount 24
        assertThat(json.at("/usage/completion_tokens").asLong()).isEqualTo(26);
        assertThat(json.at("/usage/completion_tokens_details/reasoning_tokens").asLong()).isEqualTo(24);
        Map<String, Object> row = ledgerRow(key);
        assertThat(row).containsEntry("prompt_tokens", 14).containsEntry("completion_tokens", 26);
        // 14 × $0.30 + 26 × $2.50 per million = 69.2 micro-dollars, rounded up (without thoughts: 10)
        assertThat(row.get("cost_micros")).isEqualTo(70L);
    }

    @Test
    void billsAThinkingStreamItsThoughtsAsCompletionTokens() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), """
                {"model":"gemini-thinking","stream":true,"messages":[{"role":"user","content":"Why is the sky blue?"}]}""");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).doesNotContain("Exploring Sky Color").contains("tiny gas molecules");
        // candidatesTokenCount 48 + thoughtsTokenCount 540 of the last event
        assertThat(ledgerRow(key)).containsEntry("prompt_tokens", 10).containsEntry("completion_tokens", 588);
    }

    @Test
    void recordsCachedContentTokensAsCachedPromptTokens() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("gemini-cached"));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(GatewayClient.json(answer).at("/usage/prompt_tokens_details/cached_tokens").asLong())
                .isEqualTo(323383);
        assertThat(ledgerRow(key)).containsEntry("prompt_tokens", 323388).containsEntry("cached_tokens", 323383)
                .containsEntry("completion_tokens", 397);
    }

    @Test
    void translatesToolsBothWays() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), """
                {"model":"gemini-tools","tool_choice":"required","messages":[{"role":"user","content":"Weather in Boston?"}],
                 "tools":[{"type":"function","function":{"name":"get_current_weather","description":"Weather now",
                  "parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"],
                  "additionalProperties":false}}}]}""");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode sent = lastUpstreamBody();
        assertThat(sent.at("/tools/0/functionDeclarations/0/name").stringValue()).isEqualTo("get_current_weather");
        assertThat(sent.at("/tools/0/functionDeclarations/0/parametersJsonSchema/additionalProperties").asBoolean(true))
                .isFalse();
        assertThat(sent.at("/toolConfig/functionCallingConfig/mode").stringValue()).isEqualTo("ANY");
        JsonNode choice = GatewayClient.json(answer).at("/choices/0");
        assertThat(choice.get("finish_reason").stringValue()).isEqualTo("tool_calls");
        assertThat(choice.at("/message/tool_calls/0/function/name").stringValue()).isEqualTo("get_current_weather");
        assertThat(GatewayClient.JSON.readTree(choice.at("/message/tool_calls/0/function/arguments").stringValue())
                .get("location").stringValue()).isEqualTo("Boston, MA");
        // promptTokenCount 62 + toolUsePromptTokenCount 12
        assertThat(ledgerRow(key)).containsEntry("prompt_tokens", 74).containsEntry("completion_tokens", 21);
    }

    @Test
    void embedsABatchAndBillsItsReservationWhenGoogleReportsNoUsage() {
        var key = client.createKey();

        var answer = client.post("/v1/embeddings", key.secret(), """
                {"model":"gemini-embed","dimensions":7,"input":["What is the meaning of life?",\
                "How much wood would a woodchuck chuck?","How does the brain work?"]}""");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(FakeGemini.lastPath()).isEqualTo("/models/gemini-embedding-001:batchEmbedContents");
        JsonNode sent = lastUpstreamBody();
        assertThat(sent.at("/requests/1/model").stringValue()).isEqualTo("models/gemini-embedding-001");
        assertThat(sent.at("/requests/1/content/parts/0/text").stringValue())
                .isEqualTo("How much wood would a woodchuck chuck?");
        assertThat(sent.at("/requests/2/outputDimensionality").asInt()).isEqualTo(7);
        JsonNode json = GatewayClient.json(answer);
        assertThat(json.get("object").stringValue()).isEqualTo("list");
        assertThat(json.get("data")).hasSize(3);
        assertThat(json.at("/data/2/index").asInt()).isEqualTo(2);
        assertThat(json.at("/data/0/embedding/0").floatValue()).isEqualTo(-0.022374554f);
        Map<String, Object> row = ledgerRow(key);
        assertThat(row).containsEntry("billed_by", "reservation").containsEntry("completion_tokens", 0)
                .containsEntry("endpoint", "embeddings");
        assertThat((Integer) row.get("prompt_tokens")).isPositive()
                .isEqualTo(json.at("/usage/prompt_tokens").asInt());
    }

    @Test
    void encodesEmbeddingsAsBase64WhenTheClientAsks() {
        var key = client.createKey();

        var answer = client.post("/v1/embeddings", key.secret(), """
                {"model":"gemini-embed","encoding_format":"base64","input":"What is the meaning of life?"}""");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        byte[] bytes = Base64.getDecoder().decode(GatewayClient.json(answer).at("/data/0/embedding").stringValue());
        ByteBuffer floats = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes).hasSize(7 * 4);
        assertThat(floats.getFloat(0)).isEqualTo(-0.022374554f);
    }

    @Test
    void sendsADataUrlImageAsInlineData() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), """
                {"model":"gemini","messages":[{"role":"user","content":[{"type":"text","text":"Tell me about this instrument"},\
                {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD="}}]}]}""");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode parts = lastUpstreamBody().at("/contents/0/parts");
        assertThat(parts.at("/0/text").stringValue()).isEqualTo("Tell me about this instrument");
        assertThat(parts.at("/1/inlineData/mimeType").stringValue()).isEqualTo("image/jpeg");
        assertThat(parts.at("/1/inlineData/data").stringValue()).isEqualTo("/9j/4AAQSkZJRgABAQAAAQABAAD=");
    }

    @Test
    void sendsTheKeysOutputCapAsMaxOutputTokens() {
        var key = client.createKey("{\"name\":\"capped\",\"limits\":{\"maxTokensPerRequest\":16}}");

        var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("gemini-thinking"));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(lastUpstreamBody().at("/generationConfig/maxOutputTokens").asLong()).isEqualTo(16);

        var lower = client.post("/v1/chat/completions", key.secret(), """
                {"model":"gemini","max_completion_tokens":8,"messages":[{"role":"user","content":"Hi"}]}""");
        assertThat(lower.statusCode()).isEqualTo(200);
        assertThat(lastUpstreamBody().at("/generationConfig/maxOutputTokens").asLong()).isEqualTo(8);
    }

    @Test
    void answersAnthropicClientsFromGeminiInTheirOwnShape() {
        var key = client.createKey();

        var answer = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/v1/messages"))
                .header("x-api-key", key.secret()).header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"gemini-thinking","max_tokens":64,"system":"Be brief",\
                        "messages":[{"role":"user","content":"Where is Google?"}]}""")).build());

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode json = GatewayClient.json(answer);
        assertThat(json.get("type").stringValue()).isEqualTo("message");
        assertThat(json.at("/content/0/text").stringValue()).isEqualTo("Mountain View");
        assertThat(json.at("/usage/output_tokens").asLong()).isEqualTo(26);
        JsonNode sent = lastUpstreamBody();
        assertThat(sent.at("/systemInstruction/parts/0/text").stringValue()).isEqualTo("Be brief");
        assertThat(sent.at("/generationConfig/maxOutputTokens").asLong()).isEqualTo(64);
        assertThat(ledgerRow(key)).containsEntry("endpoint", "messages").containsEntry("completion_tokens", 26);
    }

    @Test
    void streamsGeminiToAnthropicClientsAsMessagesEvents() {
        var key = client.createKey();

        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/v1/messages"))
                .header("x-api-key", key.secret()).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"gemini","max_tokens":64,"stream":true,\
                        "messages":[{"role":"user","content":"Capital of Wyoming?"}]}""")).build());

        assertThat(answer.statusCode()).isEqualTo(200);
        List<String> events = answer.body().lines().filter(l -> l.startsWith("event: ")).map(l -> l.substring(7))
                .toList();
        assertThat(events.getFirst()).isEqualTo("message_start");
        assertThat(events.subList(events.size() - 2, events.size())).containsExactly("message_delta", "message_stop");
        assertThat(answer.body()).contains("Cheyenne").doesNotContain("[DONE]").contains("\"output_tokens\":10");
        assertThat(ledgerRow(key)).containsEntry("completion_tokens", 10);
    }
}
