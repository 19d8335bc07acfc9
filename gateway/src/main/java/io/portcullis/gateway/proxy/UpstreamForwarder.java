package io.portcullis.gateway.proxy;

import io.github.resilience4j.retry.Retry;
import io.portcullis.gateway.GatewayProperties;
import io.portcullis.gateway.GatewayProperties.BackendType;
import io.portcullis.gateway.backend.BackendRegistry.Route;
import io.portcullis.gateway.backend.Deployment;
import io.portcullis.gateway.backend.DeploymentHealth;
import io.portcullis.gateway.backend.DeploymentHealth.AttemptResult;
import io.portcullis.gateway.backend.DeploymentRouter;
import io.portcullis.gateway.backend.UpstreamBody;
import io.portcullis.gateway.backend.UpstreamClient;
import io.portcullis.gateway.backend.UpstreamClient.UpstreamAnswer;
import io.portcullis.gateway.backend.anthropic.AnthropicRequests;
import io.portcullis.gateway.backend.anthropic.AnthropicResponses;
import io.portcullis.gateway.backend.anthropic.UnsupportedContent;
import io.portcullis.gateway.web.ApiError;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Collections;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Step three of the request path: send the request to a deployment and relay its answer as it
 * arrives. Before anything reaches the client, a failed attempt (connection error, 429, 5xx) is
 * retried with backoff and jitter, preferring another deployment ({@link DeploymentRouter}); once
 * the first byte is sent there is no retry. The quota reservation and the ledger record belong to
 * the client request (ProxyHandler), so however many attempts there are, it is billed once.
 *
 * <p>Answers are relayed in the client's protocol: OpenAI to OpenAI copied through in chunks or
 * event by event ({@link SseRelay}); every other pairing translated ({@link StreamCodec},
 * {@code backend.anthropic}).
 */
@Component
class UpstreamForwarder {

    private static final Logger log = LoggerFactory.getLogger(UpstreamForwarder.class);

    /** Most of a whole answer kept to translate it between protocols (a chat answer is kilobytes). */
    static final int TRANSLATION_LIMIT = 32 * 1024 * 1024;
    /** Largest read of a whole (non-streamed) answer at a time. */
    private static final int RELAY_CHUNK = 16 * 1024;

    private final UpstreamClient client;
    private final DeploymentRouter router;
    private final Retry retry;
    private final InstantSource clock;
    private final Duration responseTimeout;
    private final long defaultMaxTokens;

    UpstreamForwarder(UpstreamClient client, DeploymentRouter router, InstantSource clock,
                      GatewayProperties properties) {
        this.client = client;
        this.router = router;
        this.clock = clock;
        this.retry = Retry.of("upstream", router.<Attempt>retryConfig(Attempt::retryable));
        this.responseTimeout = properties.upstream().responseTimeout();
        this.defaultMaxTokens = properties.quota().defaultMaxTokens();
    }

    void forward(Exchange exchange, ClientRequest request, Route route, HttpServletRequest servletRequest,
                 HttpServletResponse response) throws IOException {
        long sentAt = System.nanoTime();
        Attempt answer = firstAnswer(exchange, request, route, servletRequest);
        long answeredAt = System.nanoTime();
        exchange.upstreamNanos = answeredAt - sentAt;
        response.setHeader(Exchange.OVERHEAD_HEADER, Long.toString(exchange.overheadMicros(answeredAt)));
        Deployment deployment = answer.permit().deployment();
        boolean anthropicBackend = deployment.backend().type() == BackendType.ANTHROPIC;
        boolean anthropicClient = exchange.endpoint == Endpoint.MESSAGES;
        try (UpstreamAnswer upstream = answer.response()) {
            UpstreamBody body = upstream.body();
            int status = upstream.status();
            boolean ok = status >= 200 && status < 300;
            // from here on the backend has done the work: whatever happens next is billed
            exchange.backendWorked |= ok;
            String contentType = upstream.header("content-type");
            boolean sse = ok && request.stream() && contentType != null
                    && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
            if (ok && request.stream() && !sse) {
                throw ApiError.upstreamError("The backend answered a streaming request with '" + contentType
                        + "' instead of an event stream").toException();
            }
            if (!anthropicBackend && !anthropicClient) {
                if (sse) {
                    new SseRelay(exchange, request.clientWantsUsage()).relay(body, response);
                } else {
                    relayWhole(exchange, status, contentType, contentLength(upstream), body, response);
                }
            } else if (sse) {
                StreamCodec codec = anthropicBackend && anthropicClient ? StreamCodec.anthropicNative(exchange, clock)
                        : anthropicBackend ? StreamCodec.anthropicToOpenAi(exchange, request.clientWantsUsage(), clock)
                        : StreamCodec.openAiToAnthropic(exchange, request.model());
                new SseRelay(exchange, request.clientWantsUsage(), codec, anthropicClient).relay(body, response);
            } else {
                relayTranslated(exchange, status, body, response, anthropicBackend, anthropicClient, request.model());
            }
        } finally {
            exchange.upstreamNanos = System.nanoTime() - sentAt;
        }
        if (deployment.backend().type() == BackendType.OLLAMA) {
            countOllamaPrompt(exchange);
        }
    }

    /**
     * Older Ollama builds report {@code prompt_tokens: 0}: the gateway's own estimate is billed
     * instead, so a prompt is never free (docs/backends.md).
     */
    private static void countOllamaPrompt(Exchange exchange) {
        var usage = exchange.reported;
        if (usage != null && usage.promptTokens() == 0 && exchange.inspection != null) {
            exchange.reported = new Usage(exchange.inspection.promptTokens(), usage.completionTokens(),
                    usage.cachedTokens());
            if (exchange.ending instanceof Ending.Answered answered) {
                exchange.ending = new Ending.Answered(answered.status(), exchange.reported);
            }
        }
    }

    /**
     * One call after another until a deployment answers something worth relaying, retries run
     * out, or no deployment's circuit lets a call through.
     */
    private Attempt firstAnswer(Exchange exchange, ClientRequest request, Route route,
                                HttpServletRequest servletRequest) {
        Retry.Context<Attempt> attempts = retry.context();
        Set<Deployment> tried = new HashSet<>();
        while (true) {
            var permit = router.pick(route, tried);
            if (permit.isEmpty()) {
                throw ApiError.upstreamUnavailable("Every deployment of model '" + route.model()
                        + "' is down or its circuit is open; retry later").toException();
            }
            Deployment deployment = permit.get().deployment();
            tried.add(deployment);
            exchange.deployment = deployment;
            Attempt attempt = attempt(exchange, request, permit.get(), servletRequest);
            if (attempt.retryable() && attempts.onResult(attempt)) {
                // onResult has waited the backoff; this answer is dropped unread
                attempt.discard();
                continue;
            }
            if (attempt.failure() != null) {
                throw attempt.failure().toException();
            }
            return attempt;
        }
    }

    /** One call to one deployment, its result reported to the deployment's circuit breaker. */
    private Attempt attempt(Exchange exchange, ClientRequest request, DeploymentHealth.Permit permit,
                            HttpServletRequest servletRequest) {
        Deployment deployment = permit.deployment();
        String backend = deployment.backend().name();
        UpstreamCall upstream;
        try {
            upstream = upstreamRequest(exchange, request, deployment, servletRequest);
        } catch (UnsupportedContent e) {
            permit.release();
            throw ApiError.invalidRequest(e.getMessage(), e.param()).toException();
        }
        try {
            UpstreamAnswer answer = client.post(upstream.uri(), upstream.body(), upstream.headers());
            int status = answer.status();
            if (status == 429) {
                permit.report(AttemptResult.RATE_LIMITED);
                return new Attempt(permit, answer, null, true);
            }
            if (status >= 500) {
                permit.report(AttemptResult.SERVER_ERROR);
                return new Attempt(permit, answer, null, true);
            }
            permit.report(AttemptResult.SUCCESS);
            return new Attempt(permit, answer, null, false);
        } catch (ConnectionRequestTimeoutException e) {
            // the gateway's own limit (gateway.upstream.max-connections), not the backend's fault
            permit.release();
            return Attempt.failed(permit, ApiError.upstreamUnavailable("Too many open calls to backend '" + backend
                    + "'; retry later"), false);
        } catch (org.apache.hc.client5.http.ConnectTimeoutException | ConnectException | UnknownHostException e) {
            permit.report(AttemptResult.UNREACHABLE);
            return Attempt.failed(permit, ApiError.upstreamUnavailable("Backend '" + backend + "' is unreachable"), true);
        } catch (SocketTimeoutException e) {
            permit.report(AttemptResult.TIMEOUT);
            // the backend had the request and may be generating (and billing) the answer still
            exchange.backendWorked = true;
            return Attempt.failed(permit, ApiError.upstreamTimeout("Backend '" + backend + "' did not answer within "
                    + responseTimeout.toMillis() + " ms"), false);
        } catch (IOException e) {
            permit.report(AttemptResult.BROKEN);
            if (e instanceof NoHttpResponseException) {
                // closed without a word, typically a kept-alive connection the backend had just
                // dropped: nothing was processed, another attempt is safe
                return Attempt.failed(permit, ApiError.upstreamError("Backend '" + backend
                        + "' closed the connection without an answer"), true);
            }
            // The class name says enough to an operator; the client only needs to know it was the backend.
            log.info("Backend '{}' failed: {}", backend, e.toString());
            return Attempt.failed(permit, ApiError.upstreamError("Backend '" + backend
                    + "' failed to give a valid HTTP answer"), false);
        }
    }

    /**
     * One call's result: an HTTP answer, or a failure already in the contract's terms.
     *
     * @param retryable whether another attempt may do better (connection errors, 429, 5xx)
     */
    record Attempt(DeploymentHealth.Permit permit, UpstreamAnswer response, ApiError failure, boolean retryable) {
        static Attempt failed(DeploymentHealth.Permit permit, ApiError failure, boolean retryable) {
            return new Attempt(permit, null, failure, retryable);
        }

        void discard() {
            if (response != null) {
                response.close();
            }
        }
    }

    /** What is sent to a deployment: where, the body, and the headers as name, value pairs. */
    private record UpstreamCall(URI uri, byte[] body, String[] headers) {
    }

    private UpstreamCall upstreamRequest(Exchange exchange, ClientRequest request, Deployment deployment,
                                        HttpServletRequest servletRequest) {
        var backend = deployment.backend();
        boolean anthropic = backend.type() == BackendType.ANTHROPIC;
        byte[] body;
        String path;
        if (anthropic) {
            if (exchange.endpoint != Endpoint.CHAT_COMPLETIONS && exchange.endpoint != Endpoint.MESSAGES) {
                throw new UnsupportedContent("The model '" + deployment.model() + "' is served by an Anthropic backend,"
                        + " which only answers chat requests", null);
            }
            ObjectNode messages;
            if (request.anthropic() != null) {
                messages = request.anthropic().deepCopy();
                messages.put("model", deployment.upstreamModel());
            } else {
                // Anthropic requires max_tokens: with none from the client, the default, within the cap
                long maxTokens = exchange.outputCap > 0 ? Math.min(defaultMaxTokens, exchange.outputCap) : defaultMaxTokens;
                messages = AnthropicRequests.toMessages(request.json(), deployment.upstreamModel(), maxTokens);
            }
            body = ProxyJson.MAPPER.writeValueAsBytes(messages);
            path = "/messages";
        } else {
            if (request.untranslatable() != null) {
                throw request.untranslatable();
            }
            body = request.upstreamBody(deployment.upstreamModel(), backend.type() == BackendType.OLLAMA,
                    exchange.outputCap);
            path = exchange.endpoint.path();
        }
        String[] headers = UpstreamHeaders.forCall(backend, exchange.requestId,
                name -> Collections.list(servletRequest.getHeaders(name)));
        return new UpstreamCall(deployment.url(path), body, headers);
    }

    /**
     * Reads a whole answer and relays it translated to the client's protocol: an Anthropic
     * message as a chat completion (or as itself to an Anthropic client), a chat completion as an
     * Anthropic message; errors in the client's error shape.
     */
    private void relayTranslated(Exchange exchange, int status, InputStream body, HttpServletResponse response,
                                 boolean anthropicBackend, boolean anthropicClient, String model) throws IOException {
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
            if (ok) {
                throw ApiError.upstreamError("The backend answered with invalid JSON").toException();
            }
            json = null;
        }
        int clientStatus = status;
        JsonNode out;
        if (ok) {
            if (!(json instanceof ObjectNode)) {
                throw ApiError.upstreamError("The backend answered with JSON that is not an object").toException();
            }
            if (anthropicBackend) {
                ObjectNode completion = AnthropicResponses.toChatCompletion(json, clock);
                exchange.report(ProxyJson.usageOf(completion.get("usage")));
                out = anthropicClient ? json : completion;
            } else {
                exchange.report(ProxyJson.usageOf(json.get("usage")));
                out = AnthropicResponses.toMessage(json, model);
            }
        } else if (anthropicBackend && anthropicClient) {
            out = json;
        } else if (anthropicBackend) {
            if (status == 401 || status == 403) {
                // The backend refused the gateway's own credentials: not the client's fault.
                throw ApiError.upstreamError("The Anthropic backend refused the gateway's API key (" + status + ")")
                        .toException();
            }
            clientStatus = status == 529 ? 503 : status;
            out = AnthropicResponses.toOpenAiError(json, status);
        } else {
            out = AnthropicResponses.toAnthropicError(json, status);
        }
        byte[] answer = out == null || out == json ? bytes : ProxyJson.MAPPER.writeValueAsBytes(out);
        response.setStatus(clientStatus);
        response.setContentType("application/json");
        try {
            response.getOutputStream().write(answer);
            response.getOutputStream().flush();
        } catch (IOException e) {
            exchange.cutShort(clientStatus, Outcome.CLIENT_CLOSED);
            return;
        }
        if (ok) {
            exchange.answered(clientStatus);
        } else {
            exchange.backendError(clientStatus);
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
            exchange.report(scanner.usage());
        }
    }

    /** The answer's declared length, or -1 when it has none (chunked, or until close). */
    private static long contentLength(UpstreamAnswer answer) {
        String declared = answer.header("content-length");
        if (declared == null) {
            return -1;
        }
        try {
            return Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            return -1;
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
