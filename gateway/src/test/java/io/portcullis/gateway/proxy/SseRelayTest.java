package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Fixtures;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The byte-level helpers of the stream relay, on recorded OpenAI streams. */
class SseRelayTest {

    @Test
    void findsNonNullUsageOnlyInTheRecordedUsageChunk() {
        String[] events = Fixtures.text("openai/chat-stream.include-usage.sse").split("\n\n");
        int withUsage = 0;
        for (String event : events) {
            if (SseRelay.mentionsUsage(event.getBytes(StandardCharsets.UTF_8))) {
                withUsage++;
                assertThat(event).contains("\"prompt_tokens\":14");
            }
        }
        assertThat(withUsage).isEqualTo(1);
    }

    @Test
    void joinsDataLinesAndIgnoresOtherFields() {
        assertThat(SseRelay.dataOf("event: x\ndata: {\"a\":\ndata: 1}\n\n".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("{\"a\":\n1}");
        assertThat(SseRelay.dataOf(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(SseRelay.dataOf("data: [DONE]\r\n\r\n".getBytes(StandardCharsets.UTF_8))).isEqualTo("[DONE]");
    }

    @Test
    void readsUsageFromAWholeAnswerWithoutTreeingTheRest() {
        byte[] chat = Fixtures.bytes("openai/chat.cached-tokens.response.json");
        assertThat(ProxyJson.usageOfBody(chat, chat.length)).isEqualTo(new Exchange.Usage(4020, 4, 4012));
        byte[] embeddings = Fixtures.bytes("openai/embeddings.float.response.json");
        assertThat(ProxyJson.usageOfBody(embeddings, embeddings.length)).isEqualTo(new Exchange.Usage(3, 0, 0));
        byte[] garbage = "not json".getBytes(StandardCharsets.UTF_8);
        assertThat(ProxyJson.usageOfBody(garbage, garbage.length)).isEqualTo(Exchange.Usage.NONE);
    }
}
