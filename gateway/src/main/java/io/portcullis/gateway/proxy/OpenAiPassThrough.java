package io.portcullis.gateway.proxy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI events to an OpenAI client (chat, legacy completions, the Responses API): every event
 * goes on as the bytes it came in. On the way it reads the final usage chunk (which the gateway
 * asked for) and hides it from clients that did not ask, counts content events, and notes error
 * events.
 *
 * <p>Only events that mention {@code "usage"} or {@code "error"} with a non-null value are
 * parsed (and, on the Responses API, the few event types that carry usage or ids); every other
 * event is forwarded untouched. Being the client's own protocol, an event too large to inspect
 * may pass uninspected ({@link #forwardsUninspected()}).
 */
final class OpenAiPassThrough implements StreamCodec {

    static final byte[] USAGE_FIELD = "\"usage\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR_FIELD = "\"error\"".getBytes(StandardCharsets.US_ASCII);

    private final Exchange exchange;
    private final boolean clientWantsUsage;

    OpenAiPassThrough(Exchange exchange, boolean clientWantsUsage) {
        this.exchange = exchange;
        this.clientWantsUsage = clientWantsUsage;
    }

    @Override
    public List<byte[]> onEvent(byte[] event) {
        return inspect(event) ? List.of(event) : List.of();
    }

    @Override
    public boolean forwardsUninspected() {
        return true;
    }

    /** @return whether to forward the event */
    private boolean inspect(byte[] bytes) {
        String data = SseRelay.dataOf(bytes);
        if (data == null || data.equals("[DONE]")) {
            return true; // comments, keep-alives, event: lines, the end marker
        }
        if (exchange.endpoint == Endpoint.RESPONSES) {
            responsesEvent(bytes, data);
            return true;
        }
        if (!SseRelay.mentions(bytes, USAGE_FIELD) && !SseRelay.mentions(bytes, ERROR_FIELD)) {
            exchange.streamedTokens++; // a content chunk: about one token (docs/quotas.md, "Billing")
            return true;
        }
        JsonNode chunk;
        try {
            chunk = ProxyJson.MAPPER.readTree(data);
        } catch (JacksonException e) {
            return true;
        }
        if (chunk.path("error").isObject()) {
            exchange.streamFailed = true;
            return true;
        }
        JsonNode choices = chunk.get("choices");
        boolean usageOnly = choices == null || (choices.isArray() && choices.isEmpty());
        if (!usageOnly) {
            exchange.streamedTokens++;
        }
        JsonNode reported = chunk.get("usage");
        if (reported == null || !reported.isObject()) {
            return true;
        }
        exchange.report(ProxyJson.usageOf(reported));
        return clientWantsUsage || !usageOnly;
    }

    /**
     * A Responses API event, by its type (the {@code event:} line, else the data's {@code type}):
     * every {@code *.delta} is a content event (text, refusal, reasoning, tool arguments: all
     * output tokens); {@code response.created} names the stored response; the final
     * {@code response.completed} (or {@code response.incomplete}, cut at the output limit) carries
     * the usage under {@code response.usage}; {@code response.failed} and {@code error} say the
     * stream failed. None is hidden: Responses clients expect every event.
     */
    private void responsesEvent(byte[] bytes, String data) {
        String type = SseRelay.eventType(bytes);
        if (type != null && type.endsWith(".delta")) {
            exchange.streamedTokens++; // about one token each, as for chat chunks (docs/quotas.md)
            return;
        }
        if (type != null && !type.equals("response.created") && !type.equals("response.completed")
                && !type.equals("response.incomplete") && !type.equals("response.failed") && !type.equals("error")) {
            return; // the other typed events carry neither usage nor ids: not parsed
        }
        JsonNode event;
        try {
            event = ProxyJson.MAPPER.readTree(data);
        } catch (JacksonException e) {
            return;
        }
        if (type == null) {
            type = event.path("type").asString("");
            if (type.endsWith(".delta")) {
                exchange.streamedTokens++;
                return;
            }
        }
        JsonNode response = event.path("response");
        switch (type) {
            case "response.created" -> {
                JsonNode id = response.path("id");
                exchange.responseCreated(id.isString() ? id.stringValue() : null);
            }
            case "response.completed", "response.incomplete" -> exchange.report(ProxyJson.usageOf(response.get("usage")));
            case "response.failed" -> {
                exchange.report(ProxyJson.usageOf(response.get("usage")));
                exchange.streamFailed = true;
            }
            case "error" -> exchange.streamFailed = true;
            default -> {
            }
        }
    }
}
