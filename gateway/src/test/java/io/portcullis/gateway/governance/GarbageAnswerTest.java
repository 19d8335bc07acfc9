package io.portcullis.gateway.governance;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.Test;

/**
 * A backend (or a misrouted proxy in front of it) answering 2xx with something that is not what
 * the endpoint promises: the client gets 502 {@code upstream_error} in the contract's shape, not
 * the garbage, and the request is billed its reservation (the backend may have done the work).
 */
class GarbageAnswerTest extends GovernanceTest {

    private static final String ASK = chat("leak-chat", "\"max_tokens\":40");

    @Test
    void turnsAnHtmlPageAnsweredWith200IntoA502() {
        scripted.script(TestGateway.LEAK, ScriptedBackend.fixed(200, "text/html",
                "<html><body>502 Bad Gateway</body></html>"));
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), ASK);

        assertError(answer, 502, "upstream_error");
        assertThat(answer.body()).doesNotContain("<html>");
        var row = ledgerRow(key);
        assertThat(row.get("outcome")).isEqualTo("upstream_error");
        assertThat((Integer) row.get("completion_tokens")).isEqualTo(40);
        assertThat(row.get("billed_by")).isEqualTo("reservation");
    }

    @Test
    void turnsAnEmpty200IntoA502() {
        scripted.script(TestGateway.LEAK, ScriptedBackend.fixed(200, "application/json", ""));
        var key = client.createKey();

        assertError(client.post("/v1/chat/completions", key.secret(), ASK), 502, "upstream_error");
        assertThat((Integer) ledgerRow(key).get("completion_tokens")).isEqualTo(40);
    }

    @Test
    void turnsJsonThatIsNotAnObjectIntoA502() {
        scripted.script(TestGateway.LEAK, ScriptedBackend.fixed(200, "application/json", "[\"not\",\"an\",\"answer\"]"));

        assertError(client.post("/v1/chat/completions", client.createKey().secret(), ASK), 502, "upstream_error");
    }

    @Test
    void turnsAWholeAnswerToAStreamingRequestIntoA502() {
        scripted.script(TestGateway.LEAK, ScriptedBackend.ok(TestGateway.LEAK));
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), chat("leak-chat",
                "\"max_tokens\":40,\"stream\":true"));

        assertError(answer, 502, "upstream_error");
        assertThat((Integer) ledgerRow(key).get("completion_tokens")).isEqualTo(40);
    }

    @Test
    void billsTheReservationWhenTheJsonBreaksOffAfterTheAnswerStarted() {
        scripted.script(TestGateway.LEAK, ScriptedBackend.fixed(200, "application/json",
                "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"message\":{\"content\":\"hal"));
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), ASK);

        assertThat(answer.statusCode()).isEqualTo(200); // the status was on its way before the break showed
        assertThat((Integer) ledgerRow(key).get("completion_tokens")).isEqualTo(40);
    }
}
