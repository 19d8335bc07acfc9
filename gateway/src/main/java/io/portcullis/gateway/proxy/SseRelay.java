package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.UpstreamBody;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Relays a server-sent-event stream to the client one event at a time, flushing after each, so
 * the client sees every chunk as soon as the backend sends it. On the way it reads the final
 * usage chunk (which the gateway asked for) and hides it from clients that did not ask.
 *
 * <p>Only events that mention {@code "usage"} with a non-null value are parsed; every other
 * event is forwarded as bytes. An event larger than {@link #MAX_INSPECTED_EVENT} is forwarded
 * without inspection rather than buffered without bound.
 */
final class SseRelay {

    static final int MAX_INSPECTED_EVENT = 1024 * 1024;
    private static final byte[] USAGE_FIELD = "\"usage\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR_FIELD = "\"error\"".getBytes(StandardCharsets.US_ASCII);

    private final Exchange exchange;
    private final boolean clientWantsUsage;
    /** Null when client and backend both speak OpenAI: events then go through as bytes. */
    private final StreamCodec codec;
    private final boolean anthropicClient;
    private final ByteArrayOutputStream event = new ByteArrayOutputStream(1024);
    private boolean eventOversized;
    private boolean lineHasContent;

    SseRelay(Exchange exchange, boolean clientWantsUsage) {
        this(exchange, clientWantsUsage, null, false);
    }

    SseRelay(Exchange exchange, boolean clientWantsUsage, StreamCodec codec, boolean anthropicClient) {
        this.exchange = exchange;
        this.clientWantsUsage = clientWantsUsage;
        this.codec = codec;
        this.anthropicClient = anthropicClient;
    }

    void relay(InputStream upstream, HttpServletResponse response) throws IOException {
        response.setStatus(200);
        response.setContentType("text/event-stream");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        OutputStream out = response.getOutputStream();
        try {
            // Send headers at once: the client knows the stream is open before the first token.
            response.flushBuffer();
        } catch (IOException e) {
            exchange.cutShort(200, Outcome.CLIENT_CLOSED);
            return;
        }
        // small: events are a few hundred bytes, the upstream connection buffers the rest, and every
        // open stream holds one of these for its whole life
        byte[] chunk = new byte[2048];
        while (true) {
            int n;
            try {
                n = upstream.read(chunk);
            } catch (IOException e) {
                boolean timedOut = upstream instanceof UpstreamBody watched && watched.timedOut();
                try {
                    flushPartial(out);
                    // The status is long sent: say in the stream itself why it ends early.
                    out.write(errorEvent(timedOut));
                    out.flush();
                } catch (IOException clientGone) {
                    // the client may be gone too; the outcome below is still the backend's
                }
                exchange.cutShort(200, timedOut ? Outcome.UPSTREAM_TIMEOUT : Outcome.UPSTREAM_BROKEN);
                return;
            }
            if (n < 0) {
                break;
            }
            try {
                consume(chunk, n, out);
            } catch (IOException e) {
                exchange.cutShort(200, Outcome.CLIENT_CLOSED);
                return;
            }
        }
        try {
            flushPartial(out);
            if (codec != null) {
                for (byte[] e : codec.onEnd()) {
                    out.write(e);
                }
            }
            out.flush();
            if (exchange.streamFailed) {
                // the backend said in the stream itself that it failed (an error event)
                exchange.cutShort(200, Outcome.UPSTREAM_BROKEN);
            } else {
                exchange.answered(200);
            }
        } catch (IOException e) {
            exchange.cutShort(200, Outcome.CLIENT_CLOSED);
        }
    }

    /** Splits the incoming bytes into lines; a blank line ends an event. */
    private void consume(byte[] chunk, int n, OutputStream out) throws IOException {
        int from = 0;
        for (int i = 0; i < n; i++) {
            byte b = chunk[i];
            if (b == '\n') {
                append(chunk, from, i + 1 - from, out);
                from = i + 1;
                if (!lineHasContent) {
                    endEvent(out);
                }
                lineHasContent = false;
            } else if (b != '\r') {
                lineHasContent = true;
            }
        }
        if (from < n) {
            append(chunk, from, n - from, out);
        }
    }

    private void append(byte[] chunk, int from, int length, OutputStream out) throws IOException {
        if (eventOversized) {
            out.write(chunk, from, length);
            return;
        }
        event.write(chunk, from, length);
        // A translated event must be whole to be translated: only untranslated ones may bypass.
        if (codec == null && event.size() > MAX_INSPECTED_EVENT) {
            eventOversized = true;
            event.writeTo(out);
            event.reset();
        }
    }

    private void endEvent(OutputStream out) throws IOException {
        if (eventOversized) {
            eventOversized = false;
            out.flush();
            return;
        }
        byte[] bytes = event.toByteArray();
        event.reset();
        if (codec != null) {
            List<byte[]> translated = codec.onEvent(bytes);
            if (!translated.isEmpty() && exchange.firstTokenNanos == 0 && dataOf(bytes) != null) {
                exchange.firstTokenNanos = System.nanoTime();
            }
            for (byte[] e : translated) {
                out.write(e);
            }
            if (!translated.isEmpty()) {
                out.flush();
            }
            return;
        }
        if (inspect(bytes)) {
            out.write(bytes);
            out.flush();
        }
    }

    /** The error event that ends a stream the backend broke off, in the client's protocol. */
    private byte[] errorEvent(boolean timedOut) {
        String message = timedOut ? "The backend stopped sending mid-stream (idle timeout)"
                : "The backend broke off the stream";
        String code = timedOut ? "upstream_timeout" : "upstream_error";
        String json = anthropicClient
                ? "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"" + message
                        + "\"}}\n\n"
                : exchange.endpoint == Endpoint.RESPONSES
                ? "event: error\ndata: {\"type\":\"error\",\"code\":\"" + code + "\",\"message\":\"" + message
                        + "\",\"param\":null}\n\n"
                : "data: {\"error\":{\"message\":\"" + message + "\",\"type\":\"server_error\",\"param\":null,"
                        + "\"code\":\"" + code + "\"}}\n\n";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private void flushPartial(OutputStream out) throws IOException {
        // A half-received translated event cannot be translated: drop it rather than send garbage.
        if (codec != null) {
            event.reset();
        }
        if (event.size() > 0) {
            event.writeTo(out);
            event.reset();
        }
        out.flush();
    }

    /** @return whether to forward the event */
    private boolean inspect(byte[] bytes) {
        String data = dataOf(bytes);
        if (data == null) {
            return true; // comments, keep-alives, event: lines
        }
        if (exchange.firstTokenNanos == 0) {
            exchange.firstTokenNanos = System.nanoTime();
        }
        if (data.equals("[DONE]")) {
            return true;
        }
        if (exchange.endpoint == Endpoint.RESPONSES) {
            responsesEvent(bytes, data);
            return true;
        }
        boolean usage = mentionsUsage(bytes);
        if (!usage && !mentions(bytes, ERROR_FIELD)) {
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
        String type = eventType(bytes);
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

    /** The value of the event's {@code event:} line, or null when it has none. */
    static String eventType(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        for (String line : text.split("\r?\n")) {
            if (line.startsWith("event:")) {
                return line.substring(6).strip();
            }
        }
        return null;
    }

    /** The event's data lines joined, or null when it has none. */
    static String dataOf(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        StringBuilder data = null;
        for (String line : text.split("\r?\n")) {
            if (line.startsWith("data:")) {
                String value = line.substring(5);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            }
        }
        return data == null ? null : data.toString().strip();
    }

    /** Cheap pre-check before any parsing: does the event carry a non-null usage value? */
    static boolean mentionsUsage(byte[] bytes) {
        return mentions(bytes, USAGE_FIELD);
    }

    /** Does the event carry the (quoted) field with a non-null value? */
    private static boolean mentions(byte[] bytes, byte[] field) {
        outer:
        for (int i = 0; i <= bytes.length - field.length; i++) {
            for (int j = 0; j < field.length; j++) {
                if (bytes[i + j] != field[j]) {
                    continue outer;
                }
            }
            int k = i + field.length;
            while (k < bytes.length && (bytes[k] == ' ' || bytes[k] == ':' || bytes[k] == '\t')) {
                k++;
            }
            if (k < bytes.length && bytes[k] != 'n') {
                return true;
            }
        }
        return false;
    }
}
