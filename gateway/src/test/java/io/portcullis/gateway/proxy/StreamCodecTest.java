package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Fixtures;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamCodecTest {

    private static List<byte[]> events(String fixture) {
        List<byte[]> events = new ArrayList<>();
        for (String event : Fixtures.text(fixture).split("\n\n")) {
            if (!event.isBlank()) {
                events.add((event + "\n\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return events;
    }

    private static Exchange exchange() {
        return new Exchange(Endpoint.CHAT_COMPLETIONS, "req", System.nanoTime(), Instant.now());
    }

    @Test
    void countsNoUsageUntilTheFinalMessageDeltaSoACutShortStreamIsBilledItsReservation() {
        var exchange = exchange();
        var codec = StreamCodec.anthropicToOpenAi(exchange, false, InstantSource.system());
        List<byte[]> events = events("anthropic/messages-stream.text.sse");

        for (byte[] event : events.subList(0, 4)) { // message_start .. the text delta
            codec.onEvent(event);
        }
        assertThat(exchange.reported).isNull();

        for (byte[] event : events.subList(4, events.size())) {
            codec.onEvent(event);
        }
        assertThat(exchange.reported).isEqualTo(new Usage(15, 9, 0));
    }

    @Test
    void passesAnthropicEventsThroughByteForByteWhileCounting() {
        var exchange = exchange();
        var codec = StreamCodec.anthropicNative(exchange, InstantSource.system());

        for (byte[] event : events("anthropic/messages-stream.tool-use.sse")) {
            assertThat(codec.onEvent(event)).singleElement().isSameAs(event);
        }
        assertThat(exchange.reported.promptTokens()).isEqualTo(633);
        assertThat(exchange.reported.completionTokens()).isPositive();
    }

    @Test
    void hidesTheTranslatedUsageChunkFromClientsThatDidNotAsk() {
        var exchange = exchange();
        var codec = StreamCodec.anthropicToOpenAi(exchange, false, InstantSource.system());
        List<String> out = new ArrayList<>();
        for (byte[] event : events("anthropic/messages-stream.text.sse")) {
            codec.onEvent(event).forEach(b -> out.add(new String(b, StandardCharsets.UTF_8)));
        }
        assertThat(out).noneMatch(e -> e.contains("\"prompt_tokens\"")).last().isEqualTo("data: [DONE]\n\n");
    }
}
