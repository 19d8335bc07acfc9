package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.anthropic.AnthropicStreamDecoder;
import io.portcullis.gateway.backend.anthropic.AnthropicStreamEncoder;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * What one pairing of client and backend protocol does with a server-sent-event stream, one whole
 * event at a time ({@link SseRelay} splits the bytes into events): rewrite it into the client's
 * protocol or pass it on, and record on the {@link Exchange} the usage, content events and
 * failures it sees. One codec per stream; each dialect picks its own
 * ({@link BackendDialect#streamCodec}).
 */
interface StreamCodec {

    /**
     * @param event one whole upstream event, its closing blank line included (a comment or a
     *              bare blank line is an event too), at most {@link SseRelay#MAX_INSPECTED_EVENT}
     *              bytes and a read
     * @return the events to send to the client for it, possibly none
     */
    List<byte[]> onEvent(byte[] event);

    /** @return events to send when the upstream stream ends cleanly */
    default List<byte[]> onEnd() {
        return List.of();
    }

    /**
     * Whether upstream bytes may reach the client without this codec seeing them: an event larger
     * than {@link SseRelay#MAX_INSPECTED_EVENT} (forwarded as it arrives rather than held), and an
     * unterminated last event. True only where client and backend speak the same protocol; a
     * translating codec must see every event whole, so for it such an event ends the stream with an
     * error event instead.
     */
    default boolean forwardsUninspected() {
        return false;
    }

    /** OpenAI events to an OpenAI client, as they are ({@link OpenAiPassThrough}). */
    static StreamCodec openAiPassThrough(Exchange exchange, boolean clientWantsUsage) {
        return new OpenAiPassThrough(exchange, clientWantsUsage);
    }

    /** Anthropic events to OpenAI chunks (OpenAI client, Anthropic backend). */
    static StreamCodec anthropicToOpenAi(Exchange exchange, boolean clientWantsUsage, InstantSource clock) {
        var decoder = new AnthropicStreamDecoder(clock);
        return event -> {
            JsonNode data = data(event);
            if (data == null) {
                return List.of();
            }
            List<byte[]> out = new ArrayList<>();
            for (String payload : decoder.onEvent(data)) {
                boolean usageOnly = payload.contains("\"choices\":[]");
                if (!usageOnly || clientWantsUsage) {
                    out.add(("data: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            countFinal(exchange, data, decoder);
            return out;
        };
    }

    /**
     * Anthropic events passed through untouched, reading their usage (Anthropic client and
     * backend). An event too large to inspect is forwarded as it arrives: at worst its usage is
     * missed and the stream is billed its reservation, as an OpenAI stream's would be.
     */
    static StreamCodec anthropicNative(Exchange exchange, InstantSource clock) {
        var decoder = new AnthropicStreamDecoder(clock);
        return new StreamCodec() {
            @Override
            public List<byte[]> onEvent(byte[] event) {
                JsonNode data = data(event);
                if (data != null) {
                    decoder.onEvent(data);
                    countFinal(exchange, data, decoder);
                }
                return List.of(event);
            }

            @Override
            public boolean forwardsUninspected() {
                return true;
            }
        };
    }

    /** OpenAI chunks to Anthropic events (Anthropic client on /v1/messages, OpenAI-compatible backend). */
    static StreamCodec openAiToAnthropic(Exchange exchange, String model) {
        var encoder = new AnthropicStreamEncoder(model);
        return new StreamCodec() {
            @Override
            public List<byte[]> onEvent(byte[] event) {
                String text = SseRelay.dataOf(event);
                if (text == null) {
                    return List.of();
                }
                if (text.equals("[DONE]")) {
                    return bytes(encoder.finish());
                }
                JsonNode chunk;
                try {
                    chunk = ProxyJson.MAPPER.readTree(text);
                } catch (JacksonException e) {
                    return List.of();
                }
                if (chunk.path("usage").isObject()) {
                    exchange.report(ProxyJson.usageOf(chunk.get("usage")));
                }
                if (chunk.path("error").isObject()) {
                    exchange.streamFailed = true;
                }
                if (!chunk.path("choices").isEmpty()) {
                    exchange.streamedTokens++;
                }
                return bytes(encoder.onChunk(chunk));
            }

            @Override
            public List<byte[]> onEnd() {
                return bytes(encoder.finish());
            }
        };
    }

    /**
     * Takes the usage from {@code message_delta}, which carries the final counts, only: a stream
     * cut short before it reports nothing and is billed its reservation (ProxyHandler), rather
     * than the partial counts of {@code message_start}.
     */
    private static void countFinal(Exchange exchange, JsonNode event, AnthropicStreamDecoder decoder) {
        switch (event.path("type").asString("")) {
            case "message_delta" -> exchange.report(ProxyJson.usageOf(decoder.usage()));
            case "content_block_delta" -> exchange.streamedTokens++;
            case "error" -> exchange.streamFailed = true;
            default -> {
            }
        }
    }

    private static List<byte[]> bytes(List<String> events) {
        return events.stream().map(e -> e.getBytes(StandardCharsets.UTF_8)).toList();
    }

    private static JsonNode data(byte[] event) {
        return ProxyJson.parseOrNull(SseRelay.dataOf(event));
    }
}
