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
    void readsUsageFromAWholeAnswerAsItsBytesPass() {
        assertThat(scan(Fixtures.bytes("openai/chat.cached-tokens.response.json"), 7)).isEqualTo(new Usage(4020, 4, 4012));
        assertThat(scan(Fixtures.bytes("openai/embeddings.float.response.json"), 100)).isEqualTo(new Usage(3, 0, 0));
    }

    @Test
    void takesNoEmptyOrZeroedUsageForAReport() {
        assertThat(scan("{\"usage\":{}}".getBytes(StandardCharsets.UTF_8), 3)).isNull();
        assertThat(scan("{\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":0}}".getBytes(StandardCharsets.UTF_8), 5))
                .isNull();
        assertThat(scan("{\"usage\":{\"prompt_tokens\":\"9\"}}".getBytes(StandardCharsets.UTF_8), 5)).isNull();
    }

    @Test
    void refusesWhatIsNotOneJsonObject() {
        var html = new UsageScanner();
        assertThat(html.feed("<html>502".getBytes(StandardCharsets.UTF_8), 0, 9)).isFalse();
        var array = new UsageScanner();
        assertThat(array.feed("[1,2]".getBytes(StandardCharsets.UTF_8), 0, 5)).isFalse();
        var trailing = new UsageScanner();
        byte[] twice = "{\"a\":1}{\"a\":2}".getBytes(StandardCharsets.UTF_8);
        trailing.feed(twice, 0, twice.length);
        assertThat(trailing.end()).isFalse();
        var cut = new UsageScanner();
        assertThat(cut.feed("{\"a\":[1,".getBytes(StandardCharsets.UTF_8), 0, 7)).isTrue();
        assertThat(cut.end()).isFalse();
    }

    /** Feeds the answer in chunks of {@code step} bytes, as a relay would. */
    private static Usage scan(byte[] answer, int step) {
        var scanner = new UsageScanner();
        for (int i = 0; i < answer.length; i += step) {
            assertThat(scanner.feed(answer, i, Math.min(step, answer.length - i))).isTrue();
        }
        assertThat(scanner.end()).isTrue();
        return scanner.usage();
    }
}
