package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.UpstreamBody;
import io.portcullis.gateway.web.ClientExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays a server-sent-event stream to the client one event at a time, flushing after each, so
 * the client sees every chunk as soon as the backend sends it. The relay only splits: bytes in,
 * whole events to the stream's {@link StreamCodec} (which passes, translates, hides and counts
 * them), the codec's output to the client. How the stream ends is the relay's: a clean end, the
 * backend breaking off or going silent (an error event in the client's protocol, the status being
 * long sent), or the client leaving.
 *
 * <p>No event is held beyond {@link #MAX_INSPECTED_EVENT}: past it, an event is forwarded as its
 * bytes arrive, unseen, when the codec allows it ({@link StreamCodec#forwardsUninspected()}), and
 * otherwise ends the stream with an error event, since it could only be translated whole.
 */
final class SseRelay {

    private static final Logger log = LoggerFactory.getLogger(SseRelay.class);

    static final int MAX_INSPECTED_EVENT = 1024 * 1024;
    /** An event buffer grown past this is let go after its event rather than kept for the stream's life. */
    private static final int KEPT_BUFFER = 64 * 1024;
    /** Ends a half-forwarded event, so an error event after it is read as one. */
    private static final byte[] END_OF_EVENT = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private final Exchange exchange;
    private final StreamCodec codec;
    private ByteArrayOutputStream event = new ByteArrayOutputStream(1024);
    /** The event under way outgrew the bound and goes to the client as its bytes arrive. */
    private boolean forwarding;
    private boolean lineHasContent;

    SseRelay(Exchange exchange, StreamCodec codec) {
        this.exchange = exchange;
        this.codec = codec;
    }

    void relay(InputStream upstream, ClientExchange client) throws IOException {
        client.status(200);
        client.header("Content-Type", "text/event-stream;charset=UTF-8");
        client.header("Cache-Control", "no-cache");
        client.header("X-Accel-Buffering", "no");
        OutputStream out = client.output();
        try {
            // Send headers at once: the client knows the stream is open before the first token.
            client.flush();
        } catch (IOException e) {
            exchange.cutShort(200, Outcome.CLIENT_CLOSED);
            return;
        }
        relay(upstream, out);
    }

    /** The stream once the client has its headers: sets how the exchange ended. */
    void relay(InputStream upstream, OutputStream out) {
        // small: events are a few hundred bytes, the upstream connection buffers the rest, and every
        // open stream holds one of these for its whole life
        byte[] chunk = new byte[2048];
        while (true) {
            int n;
            try {
                n = upstream.read(chunk);
            } catch (IOException e) {
                boolean timedOut = upstream instanceof UpstreamBody watched && watched.timedOut();
                breakOff(out, timedOut ? "upstream_timeout" : "upstream_error", timedOut
                        ? "The backend stopped sending mid-stream (idle timeout)" : "The backend broke off the stream");
                exchange.cutShort(200, timedOut ? Outcome.UPSTREAM_TIMEOUT : Outcome.UPSTREAM_BROKEN);
                return;
            }
            if (n < 0) {
                break;
            }
            try {
                if (!split(chunk, n, out)) {
                    log.warn("Backend '{}' sent a stream event over {} bytes, which cannot be translated; stream ended",
                            exchange.backendName(), MAX_INSPECTED_EVENT);
                    breakOff(out, "upstream_error", "The backend sent an event too large to translate");
                    exchange.cutShort(200, Outcome.UPSTREAM_BROKEN);
                    return;
                }
            } catch (IOException e) {
                exchange.cutShort(200, Outcome.CLIENT_CLOSED);
                return;
            }
        }
        try {
            if (event.size() > 0 && codec.forwardsUninspected()) {
                // an unterminated last event goes as it came: the client's parser drops it as ours would
                event.writeTo(out);
            }
            for (byte[] e : codec.onEnd()) {
                out.write(e);
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

    /**
     * Splits the incoming bytes into lines; a blank line ({@code \n} or {@code \r\n}) ends an event.
     *
     * @return false when an event outgrew the bound and the codec must see it whole
     */
    private boolean split(byte[] chunk, int n, OutputStream out) throws IOException {
        int from = 0;
        for (int i = 0; i < n; i++) {
            byte b = chunk[i];
            if (b == '\n') {
                if (!append(chunk, from, i + 1 - from, out)) {
                    return false;
                }
                from = i + 1;
                if (!lineHasContent) {
                    endEvent(out);
                }
                lineHasContent = false;
            } else if (b != '\r') {
                lineHasContent = true;
            }
        }
        return from >= n || append(chunk, from, n - from, out);
    }

    private boolean append(byte[] chunk, int from, int length, OutputStream out) throws IOException {
        if (forwarding) {
            out.write(chunk, from, length);
            return true;
        }
        event.write(chunk, from, length);
        if (event.size() <= MAX_INSPECTED_EVENT) {
            return true;
        }
        if (!codec.forwardsUninspected()) {
            return false;
        }
        forwarding = true;
        event.writeTo(out);
        clearEvent();
        return true;
    }

    private void endEvent(OutputStream out) throws IOException {
        if (forwarding) {
            forwarding = false;
            out.flush();
            return;
        }
        byte[] bytes = event.toByteArray();
        clearEvent();
        List<byte[]> send = codec.onEvent(bytes);
        if (send.isEmpty()) {
            return;
        }
        if (exchange.firstTokenNanos == 0 && dataOf(bytes) != null) {
            exchange.firstTokenNanos = System.nanoTime();
        }
        for (byte[] e : send) {
            out.write(e);
        }
        out.flush();
    }

    private void clearEvent() {
        if (event.size() > KEPT_BUFFER) {
            event = new ByteArrayOutputStream(1024);
        } else {
            event.reset();
        }
    }

    /**
     * Ends the stream early with an error event. A half-received event is dropped: it cannot be
     * inspected, and its bytes would run into the error event's and hide it.
     */
    private void breakOff(OutputStream out, String code, String message) {
        clearEvent();
        try {
            if (forwarding) {
                out.write(END_OF_EVENT);
            }
            out.write(errorEvent(exchange.endpoint, code, message));
            out.flush();
        } catch (IOException clientGone) {
            // the client may be gone too; the outcome is still the backend's
        }
    }

    /** An error event that ends a stream early, in the client's protocol. */
    static byte[] errorEvent(Endpoint endpoint, String code, String message) {
        String json = switch (endpoint) {
            case MESSAGES -> "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\""
                    + message + "\"}}\n\n";
            case RESPONSES -> "event: error\ndata: {\"type\":\"error\",\"code\":\"" + code + "\",\"message\":\"" + message
                    + "\",\"param\":null}\n\n";
            default -> "data: {\"error\":{\"message\":\"" + message + "\",\"type\":\"server_error\",\"param\":null,"
                    + "\"code\":\"" + code + "\"}}\n\n";
        };
        return json.getBytes(StandardCharsets.UTF_8);
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
        return mentions(bytes, OpenAiPassThrough.USAGE_FIELD);
    }

    /** Does the event carry the (quoted) field with a non-null value? */
    static boolean mentions(byte[] bytes, byte[] field) {
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
