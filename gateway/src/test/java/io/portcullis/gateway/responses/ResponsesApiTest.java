package io.portcullis.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Fixtures;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/responses} end to end against recorded answers: relayed as they are, streamed
 * event by event, and billed from the answer's {@code usage} or the stream's
 * {@code response.completed} (input, cached input, output with reasoning inside).
 */
class ResponsesApiTest extends ResponsesTest {

    @Test
    void relaysAResponseAndBillsItsUsage() {
        var key = client.createKey();

        var answer = create(key, request("resp-mini", ""));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        var json = GatewayClient.json(answer);
        assertThat(json.path("object").asString()).isEqualTo("response");
        assertThat(json.at("/output/0/content/0/text").asString()).isEqualTo("Hello! How can I assist you today?");
        var sent = lastUpstreamBody(TestGateway.RESPONSES);
        assertThat(sent.path("model").asString()).isEqualTo("gpt-4o-mini");
        assertThat(sent.has("stream_options")).isFalse();
        assertThat(sent.has("max_output_tokens")).isFalse();
        var row = ledgerRow(key);
        assertThat(row).containsEntry("endpoint", "responses").containsEntry("model", "resp-mini")
                .containsEntry("backend", TestGateway.RESPONSES).containsEntry("prompt_tokens", 11)
                .containsEntry("completion_tokens", 10).containsEntry("billed_by", "reported")
                .containsEntry("outcome", "success");
        var me = GatewayClient.json(client.get("/v1/me", key.secret()));
        assertThat(me.at("/usage/today/promptTokens").asLong()).isEqualTo(11);
        assertThat(me.at("/usage/today/completionTokens").asLong()).isEqualTo(10);
    }

    @Test
    void billsCachedInputAndReasoningTokensAsRecorded() {
        var key = client.createKey("{\"name\":\"searcher\",\"policy\":{\"hostedTools\":[\"web_search\",\"web_search_preview\"]}}");
        String recorded = Fixtures.text("openai/responses.web-search.cached-tokens.request.json")
                .replace("\"gpt-5.1\"", "\"resp-mini\"");

        var answer = create(key, recorded);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        var row = ledgerRow(key);
        // output_tokens 698 hold the 532 reasoning tokens: billed once, as output
        assertThat(row).containsEntry("prompt_tokens", 12724).containsEntry("cached_tokens", 4352)
                .containsEntry("completion_tokens", 698);
        // 8372 × $2.50 + 4352 × $1.25 + 698 × $10.00 per million
        assertThat(row.get("cost_micros")).isEqualTo(33_350L);
    }

    @Test
    void streamsTypedEventsAsTheBackendSentThemAndBillsResponseCompleted() {
        var key = client.createKey();

        var answer = create(key, Fixtures.text("openai/responses-stream.text.request.json")
                .replace("\"gpt-4o-mini\"", "\"resp-mini\""));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<String> types = answer.body().lines().filter(l -> l.startsWith("event: ")).map(l -> l.substring(7))
                .toList();
        assertThat(types).hasSize(17).startsWith("response.created", "response.in_progress")
                .endsWith("response.completed");
        assertThat(types.stream().filter("response.output_text.delta"::equals)).hasSize(9);
        assertThat(answer.body()).doesNotContain("[DONE]").contains("\"total_tokens\":21");
        assertThat(lastUpstreamBody(TestGateway.RESPONSES).has("stream_options")).isFalse();
        var row = ledgerRow(key);
        assertThat(row).containsEntry("streamed", true).containsEntry("prompt_tokens", 11)
                .containsEntry("completion_tokens", 10).containsEntry("billed_by", "reported");
    }

    @Test
    void billsAStreamThatFailsWithoutCompletedAtLeastItsReservation() {
        scripted.script(TestGateway.RESPONSES, ScriptedBackend.sse("""
                event: response.created
                data: {"type":"response.created","response":{"id":"resp_failing%s","usage":null}}

                event: response.output_text.delta
                data: {"type":"response.output_text.delta","delta":"Hel"}

                event: response.failed
                data: {"type":"response.failed","response":{"id":"resp_failing","status":"failed","usage":null}}
                """.formatted(System.nanoTime())));
        var key = client.createKey();

        var answer = create(key, request("resp-mini", "\"stream\":true,\"max_output_tokens\":300"));

        assertThat(answer.statusCode()).isEqualTo(200);
        var row = ledgerRow(key);
        assertThat(row).containsEntry("outcome", "upstream_broken").containsEntry("billed_by", "streamed")
                .containsEntry("completion_tokens", 300);
    }

    @Test
    void refusesAModelWhoseBackendDoesNotSpeakTheResponsesApiNamingIt() {
        var key = client.createKey();
        int claudeCalls = scripted.count("claude");

        var anthropic = assertError(create(key, request("claude", "")), 400, "invalid_request_error");
        assertThat(anthropic.path("message").asString()).contains("'claude'").contains("Responses API");
        var ollama = assertError(create(key, request("gpt-4o-mini", "")), 400, "invalid_request_error");
        assertThat(ollama.path("message").asString()).contains("'gpt-4o-mini'");
        assertThat(scripted.count("claude")).isEqualTo(claudeCalls);
    }
}
