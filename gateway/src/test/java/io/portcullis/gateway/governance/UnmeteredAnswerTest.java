package io.portcullis.gateway.governance;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Backends that answer without usage figures, which used to make the answer free: each answer is
 * billed at least its reservation (prompt estimate plus {@code max_tokens}), in the ledger and in
 * {@code /v1/me}.
 */
class UnmeteredAnswerTest extends GovernanceTest {

    private static final String ANSWER = """
            {"id":"c1","object":"chat.completion","created":1,"model":"m",\
            "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]%s}""";
    private static final String ASK = chat("leak-chat", "\"max_tokens\":50");

    @Test
    void billsTheReservationForAnAnswerWithoutUsage() {
        scripted.script(TestGateway.LEAK, ScriptedBackend.fixed(200, "application/json", ANSWER.formatted("")));
        var key = client.createKey();

        assertThat(client.post("/v1/chat/completions", key.secret(), ASK).statusCode()).isEqualTo(200);

        var row = ledgerRow(key);
        assertBilledReservation(row);
        assertThat(row.get("outcome")).isEqualTo("success");
        assertThat((Long) row.get("cost_micros")).isPositive();
        var me = GatewayClient.json(client.get("/v1/me", key.secret()));
        assertThat(me.path("usage").path("today").path("completionTokens").asLong()).isEqualTo(50);
    }

    @Test
    void billsTheReservationForAnEmptyUsageObject() {
        scripted.script(TestGateway.LEAK, ScriptedBackend.fixed(200, "application/json",
                ANSWER.formatted(",\"usage\":{}")));
        var key = client.createKey();

        assertThat(client.post("/v1/chat/completions", key.secret(), ASK).statusCode()).isEqualTo(200);

        assertBilledReservation(ledgerRow(key));
    }

    @Test
    void billsTheReservationForZeroedUsage() {
        scripted.script(TestGateway.LEAK, ScriptedBackend.fixed(200, "application/json",
                ANSWER.formatted(",\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":0,\"total_tokens\":0}")));
        var key = client.createKey();

        assertThat(client.post("/v1/chat/completions", key.secret(), ASK).statusCode()).isEqualTo(200);

        assertBilledReservation(ledgerRow(key));
    }

    @Test
    void billsTheReservationForAStreamThatIgnoresIncludeUsage() {
        scripted.script(TestGateway.LEAK, ScriptedBackend.sse(chunk("a") + chunk("b") + chunk("c") + "data: [DONE]\n\n"));
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), chat("leak-chat",
                "\"max_tokens\":50,\"stream\":true"));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("[DONE]");
        assertBilledReservation(ledgerRow(key));
    }

    @Test
    void billsAnAnthropicStreamThatEndsWithAnErrorEvent() {
        String text = ScriptedBackendFixtures.anthropicStreamHead()
                + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        scripted.script(TestGateway.LEAK_CLAUDE, ScriptedBackend.sse(text));
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), chat("leak-claude",
                "\"max_tokens\":50,\"stream\":true"));

        assertThat(answer.statusCode()).isEqualTo(200);
        var row = ledgerRow(key);
        assertThat(row.get("outcome")).isEqualTo("upstream_broken");
        assertThat((Integer) row.get("completion_tokens")).isEqualTo(50);
        assertThat(row.get("billed_by")).isEqualTo("streamed");
    }

    @Test
    void billsWhatTheBackendReportsAtTheEndOfAForty_MiBEmbeddingsAnswer() {
        scripted.script(TestGateway.LEAK, (exchange, body) -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write("{\"object\":\"list\",\"data\":[".getBytes(StandardCharsets.US_ASCII));
            byte[] vector = ("{\"object\":\"embedding\",\"index\":0,\"embedding\":["
                    + "0.0123456789,".repeat(1023) + "0.0123456789]},").getBytes(StandardCharsets.US_ASCII);
            for (long written = 0; written < 40L * 1024 * 1024; written += vector.length) {
                out.write(vector);
            }
            out.write(("{\"object\":\"embedding\",\"index\":1,\"embedding\":[0.5]}],\"model\":\"e\","
                    + "\"usage\":{\"prompt_tokens\":777,\"total_tokens\":777}}").getBytes(StandardCharsets.US_ASCII));
        });
        var key = client.createKey();

        var answer = client.post("/v1/embeddings", key.secret(), "{\"model\":\"leak-embed\",\"input\":\"hello\"}");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body().length()).isGreaterThan(40 * 1024 * 1024);
        var row = ledgerRow(key);
        assertThat((Integer) row.get("prompt_tokens")).isEqualTo(777);
        assertThat(row.get("outcome")).isEqualTo("success");
        assertThat(row.get("billed_by")).isEqualTo("reported");
    }

    /** A reservation of {@code max_tokens: 50} and a prompt estimate, never zero. */
    private static void assertBilledReservation(java.util.Map<String, Object> row) {
        assertThat((Integer) row.get("prompt_tokens")).isPositive();
        assertThat((Integer) row.get("completion_tokens")).isEqualTo(50);
        assertThat(row.get("billed_by")).isIn("reservation", "streamed");
    }

    static String chunk(String content) {
        return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
                + "{\"content\":\"" + content + "\"},\"finish_reason\":null}]}\n\n";
    }
}
