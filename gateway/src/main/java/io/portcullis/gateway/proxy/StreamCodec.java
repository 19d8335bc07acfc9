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
 * Rewrites a server-sent-event stream from the backend's protocol to the client's, one event at
 * a time, and records the usage it sees on the {@link Exchange}. Used by {@link SseRelay} whenever
 * client and backend do not both speak OpenAI (that case keeps the relay's zero-copy path).
 */
interface StreamCodec {

    /** @return the events to send to the client for one upstream event, possibly none */
    List<byte[]> onEvent(byte[] event);

    /** @return events to send when the upstream stream ends cleanly */
    default List<byte[]> onEnd() {
        return List.of();
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

    /** Anthropic events passed through untouched, reading their usage (Anthropic client and backend). */
    static StreamCodec anthropicNative(Exchange exchange, InstantSource clock) {
        var decoder = new AnthropicStreamDecoder(clock);
        return event -> {
            JsonNode data = data(event);
            if (data != null) {
                decoder.onEvent(data);
                countFinal(exchange, data, decoder);
            }
            return List.of(event);
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
        String text = SseRelay.dataOf(event);
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return ProxyJson.MAPPER.readTree(text);
        } catch (JacksonException e) {
            return null;
        }
    }
}
