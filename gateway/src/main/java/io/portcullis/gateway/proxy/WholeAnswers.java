package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.UpstreamBody;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ClientExchange;
import io.portcullis.policy.quota.Units;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Relays a backend's whole (non-SSE) answer to the client, for {@link UpstreamForwarder}: copied
 * through in chunks while its usage is read as it passes, relayed raw when the endpoint answers
 * with something other than JSON (speech audio, text transcripts), or read whole and translated
 * to the client's protocol. Each sets how the request ended on the {@link Exchange}.
 */
final class WholeAnswers {

    private static final Logger log = LoggerFactory.getLogger(WholeAnswers.class);

    /** Most of a whole answer kept to translate it between protocols (a chat answer is kilobytes). */
    static final int TRANSLATION_LIMIT = 32 * 1024 * 1024;
    /** Largest read of a whole (non-streamed) answer at a time. */
    private static final int RELAY_CHUNK = 16 * 1024;

    private WholeAnswers() {
    }

    /**
     * Reads a whole answer and relays it translated to the client's protocol; a 2xx must be a
     * JSON object, anything else is a 502.
     */
    static void relayTranslated(Exchange exchange, int status, InputStream body, ClientExchange client,
                                AnswerTranslator translator) throws IOException {
        byte[] bytes;
        try {
            bytes = body.readNBytes(TRANSLATION_LIMIT + 1);
        } catch (IOException e) {
            if (body instanceof UpstreamBody watched && watched.timedOut()) {
                throw ApiError.upstreamTimeout("The backend stopped sending its answer").toException();
            }
            throw ApiError.upstreamError("The backend broke off its answer").toException();
        }
        if (bytes.length > TRANSLATION_LIMIT) {
            throw ApiError.upstreamError("The backend's answer is too large to translate").toException();
        }
        boolean ok = status >= 200 && status < 300;
        JsonNode json;
        try {
            json = ProxyJson.MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            json = null;
        }
        if (ok && !(json instanceof ObjectNode)) {
            throw ApiError.upstreamError("The backend answered " + status + " with something that is not a JSON object")
                    .toException();
        }
        AnswerTranslator.Translated out = translator.translate(status, json, bytes);
        client.status(out.status());
        client.header("Content-Type", "application/json");
        try {
            client.output().write(out.body());
            client.complete();
        } catch (IOException e) {
            exchange.cutShort(out.status(), Outcome.CLIENT_CLOSED);
            return;
        }
        if (ok) {
            exchange.answered(out.status());
        } else {
            exchange.backendError(out.status());
        }
    }

    /**
     * Copies a whole (non-SSE) answer, status and all, reading its usage as it passes
     * ({@link UsageScanner}). A 2xx answer must be a JSON object: one that does not start as one is
     * refused with 502 before anything reaches the client; one that breaks later is relayed as it
     * is and billed its reservation.
     */
    static void relay(Exchange exchange, int status, String contentType, long length, InputStream body,
                      ClientExchange client) throws IOException {
        boolean ok = status >= 200 && status < 300;
        if (ok && exchange.endpoint.mayAnswerNonJson() && !isJson(contentType)) {
            relayRaw(exchange, status, contentType, body, client);
            return;
        }
        UsageScanner scanner = ok ? new UsageScanner() : null;
        // A typical answer is a few hundred bytes with its length declared: one array of that size
        // (plus one byte, to see the end in the same read) rather than 16 KB per request.
        byte[] chunk = new byte[length >= 0 && length < RELAY_CHUNK ? (int) length + 1 : RELAY_CHUNK];
        int n = readUpstream(body, chunk);
        if (n == -2) {
            throw noAnswer(body); // broke before the first byte: we can still answer with a proper error
        }
        if (ok && (n < 0 || !scanner.feed(chunk, 0, n))) {
            // HTML from a misrouted proxy, an empty body: not what a JSON endpoint promises
            throw ApiError.upstreamError("The backend answered " + status + " with "
                    + (n < 0 ? "an empty body" : "something that is not JSON") + " (" + contentType + ")").toException();
        }
        if (ok) {
            exchange.responseCreated(scanner.id()); // before the client can read the id
        }
        client.status(status);
        client.header("Content-Type", contentType != null ? contentType : "application/json");
        OutputStream out = client.output();
        while (n >= 0) {
            if (!writeClient(exchange, out, chunk, n, status)) {
                reportUsage(exchange, scanner);
                return;
            }
            n = readUpstream(body, chunk);
            if (n > 0 && scanner != null) {
                scanner.feed(chunk, 0, n);
                exchange.responseCreated(scanner.id());
            }
        }
        if (n == -2) {
            reportUsage(exchange, scanner);
            exchange.cutShort(status, brokeOff(body));
            return;
        }
        try {
            client.complete();
        } catch (IOException e) {
            reportUsage(exchange, scanner);
            exchange.cutShort(status, Outcome.CLIENT_CLOSED);
            return;
        }
        if (!ok) {
            exchange.backendError(status);
            return;
        }
        if (scanner.end()) {
            reportUsage(exchange, scanner);
        } else {
            log.info("Backend '{}' answered {} with JSON that broke off or had trailing bytes; billed its reservation",
                    exchange.backendName(), status);
        }
        exchange.answered(status);
    }

    private static void reportUsage(Exchange exchange, UsageScanner scanner) {
        if (scanner != null) {
            exchange.report(withUnits(exchange, scanner));
        }
    }

    /**
     * The answer's token usage with the units its endpoint is priced in: seconds of audio as the
     * backend reported them, else as the gateway measured the upload ({@link AudioDuration}, so a
     * per-second price still applies when a backend reports only tokens); images as the answer's
     * {@code data} items, else as many as were asked for.
     *
     * @return null when the answer reported nothing
     */
    private static Usage withUnits(Exchange exchange, UsageScanner scanner) {
        Usage tokens = scanner.usage();
        Units reserved = exchange.inspection == null ? Units.NONE : exchange.inspection.unitsEstimate();
        Units units = switch (exchange.endpoint) {
            case TRANSCRIPTIONS, TRANSLATIONS -> tokens == null && scanner.audioSeconds() < 0 ? null
                    : new Units(scanner.audioSeconds() >= 0 ? scanner.audioSeconds() : reserved.audioSeconds(), 0, 0);
            case IMAGE_GENERATIONS, IMAGE_EDITS -> tokens == null && scanner.dataItems() < 0 ? null
                    : new Units(0, 0, scanner.dataItems() >= 0 ? scanner.dataItems() : reserved.images());
            default -> null; // token-only endpoints: nothing to add
        };
        if (units == null) {
            return tokens; // null when nothing was reported: the reservation is billed
        }
        return tokens == null ? new Usage(0, 0, 0, units)
                : new Usage(tokens.promptTokens(), tokens.completionTokens(), tokens.cachedTokens(), units);
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.toLowerCase(Locale.ROOT);
        return type.startsWith("application/json") || (type.startsWith("application/") && type.contains("+json"));
    }

    /**
     * A 2xx answer that is not JSON (speech audio; a transcription as text, SRT or VTT) relayed as
     * it arrives, each chunk flushed: nothing to read usage from, so speech is billed the characters
     * it was asked to speak (counted) and a text transcript its reservation (the seconds measured or
     * estimated from the upload). For speech, the first
     * audio byte to the client is the request's time to first token.
     */
    private static void relayRaw(Exchange exchange, int status, String contentType, InputStream body,
                                 ClientExchange client) throws IOException {
        byte[] chunk = new byte[RELAY_CHUNK];
        int n = readUpstream(body, chunk);
        if (n == -2) {
            throw noAnswer(body);
        }
        client.status(status);
        if (contentType != null) {
            client.header("Content-Type", contentType);
        }
        boolean speech = exchange.endpoint == Endpoint.SPEECH;
        // speech is relayed as it is spoken: recorded as streamed, with its time to the first audio byte
        exchange.streamed |= speech;
        OutputStream out = client.output();
        while (n >= 0) {
            if (n > 0) {
                if (!writeClient(exchange, out, chunk, n, status)) {
                    return;
                }
                try {
                    client.flush();
                } catch (IOException e) {
                    exchange.cutShort(status, Outcome.CLIENT_CLOSED);
                    return;
                }
                if (speech && exchange.firstTokenNanos == 0) {
                    exchange.firstTokenNanos = System.nanoTime();
                }
            }
            n = readUpstream(body, chunk);
        }
        if (n == -2) {
            exchange.cutShort(status, brokeOff(body));
            return;
        }
        if (speech && exchange.inspection != null) {
            // the characters asked to be spoken are the measure, counted from the request
            exchange.counted(status, new Usage(0, 0, 0, exchange.inspection.unitsEstimate()));
        } else {
            exchange.answered(status);
        }
    }

    /** The error for a backend that sent its headers and then nothing: timed out, or closed. */
    private static RuntimeException noAnswer(InputStream body) {
        if (body instanceof UpstreamBody watched && watched.timedOut()) {
            return ApiError.upstreamTimeout("Backend sent its headers but no answer within the idle timeout")
                    .toException();
        }
        return ApiError.upstreamError("Backend closed the connection without an answer").toException();
    }

    /** Why an answer under way stopped: the backend went silent, or broke the connection. */
    private static Outcome brokeOff(InputStream body) {
        return body instanceof UpstreamBody watched && watched.timedOut() ? Outcome.UPSTREAM_TIMEOUT
                : Outcome.UPSTREAM_BROKEN;
    }

    /** @return bytes read, -1 at the end, -2 when the backend broke off */
    private static int readUpstream(InputStream body, byte[] chunk) {
        try {
            return body.read(chunk);
        } catch (IOException e) {
            return -2;
        }
    }

    private static boolean writeClient(Exchange exchange, OutputStream out, byte[] chunk, int n, int status) {
        try {
            out.write(chunk, 0, n);
            return true;
        } catch (IOException e) {
            exchange.cutShort(status, Outcome.CLIENT_CLOSED);
            return false;
        }
    }
}
