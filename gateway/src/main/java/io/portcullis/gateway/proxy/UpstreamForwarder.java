package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.BackendRegistry.Route;
import io.portcullis.gateway.backend.Deployment;
import io.portcullis.gateway.backend.DeploymentRouter;
import io.portcullis.gateway.backend.UpstreamBody;
import io.portcullis.gateway.quota.QuotaProperties;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.policy.quota.Units;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.InstantSource;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Step four of the request path: send the request to a deployment ({@link Failover}: retries and
 * circuit breakers until the first byte goes to the client) and relay its answer as it arrives.
 * The quota reservation and the ledger record belong to the client request ({@link ProxyHandler}),
 * so however many attempts there are, it is billed once.
 *
 * <p>What each backend type needs is its {@link BackendDialect}'s business: the upstream request,
 * and whether its answers reach this client as they are or translated: whole answers copied
 * through in chunks or by an {@link AnswerTranslator}, streams event by event by {@link SseRelay}
 * with the dialect's {@link StreamCodec}.
 */
@Component
class UpstreamForwarder {

    private static final Logger log = LoggerFactory.getLogger(UpstreamForwarder.class);

    /** Most of a whole answer kept to translate it between protocols (a chat answer is kilobytes). */
    static final int TRANSLATION_LIMIT = 32 * 1024 * 1024;
    /** Largest read of a whole (non-streamed) answer at a time. */
    private static final int RELAY_CHUNK = 16 * 1024;

    private final Failover failover;
    private final InstantSource clock;
    private final long defaultMaxTokens;

    UpstreamForwarder(Failover failover, InstantSource clock, QuotaProperties quota) {
        this.failover = failover;
        this.clock = clock;
        this.defaultMaxTokens = quota.defaultMaxTokens();
    }

    void forward(Exchange exchange, ClientRequest request, Route route, HttpServletRequest servletRequest,
                 HttpServletResponse response) throws IOException {
        long sentAt = System.nanoTime();
        Failover.Attempt answer = failover.firstAnswer(exchange, route,
                deployment -> upstreamCall(exchange, request, deployment, servletRequest));
        long answeredAt = System.nanoTime();
        exchange.upstreamNanos = answeredAt - sentAt;
        response.setHeader(Exchange.OVERHEAD_HEADER, Long.toString(exchange.overheadMicros(answeredAt)));
        BackendDialect dialect = BackendDialect.of(answer.deployment().backend().type());
        try (answer) {
            InputStream body = answer.body();
            int status = answer.status();
            boolean ok = status >= 200 && status < 300;
            // from here on the backend has done the work: whatever happens next is billed
            exchange.backendWorked |= ok;
            String contentType = answer.contentType();
            boolean sse = ok && request.stream() && contentType != null
                    && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
            if (ok && request.stream() && !sse) {
                throw ApiError.upstreamError("The backend answered a streaming request with '" + contentType
                        + "' instead of an event stream").toException();
            }
            if (sse) {
                new SseRelay(exchange, dialect.streamCodec(exchange, request, clock)).relay(body, response);
            } else {
                AnswerTranslator translator = dialect.answerTranslator(exchange, request, clock);
                if (translator == null) {
                    relayWhole(exchange, status, contentType, answer.contentLength(), body, response);
                } else {
                    relayTranslated(exchange, status, body, response, translator);
                }
            }
        } finally {
            exchange.upstreamNanos = System.nanoTime() - sentAt;
        }
        correctUsage(exchange, dialect);
    }

    /** What the dialect of a deployment sends it, with the headers its type allows. */
    private Failover.UpstreamCall upstreamCall(Exchange exchange, ClientRequest request, Deployment deployment,
                                               HttpServletRequest servletRequest) {
        var backend = deployment.backend();
        var upstream = BackendDialect.of(backend.type()).request(exchange, request, deployment, defaultMaxTokens);
        String[] headers = UpstreamHeaders.forCall(backend, exchange.requestId, exchange.upstreamTraceparent,
                UpstreamHeaders.ClientHeaders.of(servletRequest));
        return new Failover.UpstreamCall(deployment.url(upstream.path(), upstream.query()), upstream.body(),
                upstream.streamed(), headers);
    }

    /** A backend's known reporting quirks, corrected once its answer is over (docs/backends.md). */
    private static void correctUsage(Exchange exchange, BackendDialect dialect) {
        if (exchange.reported == null || exchange.inspection == null) {
            return;
        }
        Usage corrected = dialect.correctUsage(exchange.reported, exchange.inspection.promptTokens());
        if (!corrected.equals(exchange.reported)) {
            exchange.reported = corrected;
            if (exchange.ending instanceof Ending.Answered answered) {
                exchange.ending = new Ending.Answered(answered.status(), corrected);
            }
        }
    }

    /**
     * Reads a whole answer and relays it translated to the client's protocol; a 2xx must be a
     * JSON object, anything else is a 502.
     */
    private static void relayTranslated(Exchange exchange, int status, InputStream body, HttpServletResponse response,
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
        response.setStatus(out.status());
        response.setContentType("application/json");
        try {
            response.getOutputStream().write(out.body());
            response.getOutputStream().flush();
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
    private static void relayWhole(Exchange exchange, int status, String contentType, long length, InputStream body,
                                   HttpServletResponse response) throws IOException {
        boolean ok = status >= 200 && status < 300;
        if (ok && exchange.endpoint.mayAnswerNonJson() && !isJson(contentType)) {
            relayRaw(exchange, status, contentType, body, response);
            return;
        }
        UsageScanner scanner = ok ? new UsageScanner() : null;
        // A typical answer is a few hundred bytes with its length declared: one array of that size
        // (plus one byte, to see the end in the same read) rather than 16 KB per request.
        byte[] chunk = new byte[length >= 0 && length < RELAY_CHUNK ? (int) length + 1 : RELAY_CHUNK];
        int n = readUpstream(body, chunk);
        if (n == -2) {
            // Broke before the first byte: we can still answer with a proper error.
            if (body instanceof UpstreamBody watched && watched.timedOut()) {
                throw ApiError.upstreamTimeout("Backend sent its headers but no answer within the idle timeout")
                        .toException();
            }
            throw ApiError.upstreamError("Backend closed the connection without an answer").toException();
        }
        if (ok && (n < 0 || !scanner.feed(chunk, 0, n))) {
            // HTML from a misrouted proxy, an empty body: not what a JSON endpoint promises
            throw ApiError.upstreamError("The backend answered " + status + " with "
                    + (n < 0 ? "an empty body" : "something that is not JSON") + " (" + contentType + ")").toException();
        }
        if (ok) {
            exchange.responseCreated(scanner.id()); // before the client can read the id
        }
        response.setStatus(status);
        response.setContentType(contentType != null ? contentType : "application/json");
        OutputStream out = response.getOutputStream();
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
            exchange.cutShort(status, body instanceof UpstreamBody watched && watched.timedOut()
                    ? Outcome.UPSTREAM_TIMEOUT : Outcome.UPSTREAM_BROKEN);
            return;
        }
        try {
            out.flush();
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
     * it arrives, each chunk flushed: nothing to read usage from, so it is billed its reservation,
     * which for these endpoints is exact (characters) or measured (seconds). For speech, the first
     * audio byte to the client is the request's time to first token.
     */
    private static void relayRaw(Exchange exchange, int status, String contentType, InputStream body,
                                 HttpServletResponse response) throws IOException {
        byte[] chunk = new byte[RELAY_CHUNK];
        int n = readUpstream(body, chunk);
        if (n == -2) {
            if (body instanceof UpstreamBody watched && watched.timedOut()) {
                throw ApiError.upstreamTimeout("Backend sent its headers but no answer within the idle timeout")
                        .toException();
            }
            throw ApiError.upstreamError("Backend closed the connection without an answer").toException();
        }
        response.setStatus(status);
        if (contentType != null) {
            response.setContentType(contentType);
        }
        boolean speech = exchange.endpoint == Endpoint.SPEECH;
        // speech is relayed as it is spoken: recorded as streamed, with its time to the first audio byte
        exchange.streamed |= speech;
        OutputStream out = response.getOutputStream();
        while (n >= 0) {
            if (n > 0) {
                if (!writeClient(exchange, out, chunk, n, status)) {
                    return;
                }
                try {
                    out.flush();
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
            exchange.cutShort(status, body instanceof UpstreamBody watched && watched.timedOut()
                    ? Outcome.UPSTREAM_TIMEOUT : Outcome.UPSTREAM_BROKEN);
            return;
        }
        if (speech && exchange.inspection != null) {
            // the characters asked to be spoken are the measure, counted from the request
            exchange.counted(status, new Usage(0, 0, 0, exchange.inspection.unitsEstimate()));
        } else {
            exchange.answered(status);
        }
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
