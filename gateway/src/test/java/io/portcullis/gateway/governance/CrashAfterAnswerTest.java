package io.portcullis.gateway.governance;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.Test;

/**
 * An exception of the gateway's own (here: the Anthropic stream translator choking on a block
 * whose index is not a number) after the backend had started answering: recorded as an internal
 * error and billed the reservation, never as a free success.
 */
class CrashAfterAnswerTest extends GovernanceTest {

    @Test
    void billsTheReservationWhenTheGatewayFailsAfterTheBackendAnswered() {
        String head = ScriptedBackendFixtures.anthropicStreamHead();
        String poisoned = head.substring(0, head.indexOf("event: content_block_start"))
                + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":\"zero\","
                + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":{}}}\n\n";
        scripted.script(TestGateway.LEAK_CLAUDE, ScriptedBackend.sse(poisoned));
        var key = client.createKey();

        client.post("/v1/chat/completions", key.secret(), chat("leak-claude", "\"max_tokens\":30,\"stream\":true"));

        var row = ledgerRow(key);
        assertThat(row.get("outcome")).isEqualTo("internal_error");
        assertThat((Integer) row.get("completion_tokens")).isEqualTo(30);
        assertThat((Integer) row.get("prompt_tokens")).isPositive();
        assertThat(row.get("billed_by")).isEqualTo("reservation");
    }
}
