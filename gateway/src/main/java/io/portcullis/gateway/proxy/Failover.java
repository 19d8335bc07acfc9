package io.portcullis.gateway.proxy;

import io.github.resilience4j.retry.Retry;
import io.portcullis.gateway.backend.BackendRegistry;
import io.portcullis.gateway.backend.BackendRegistry.Route;
import io.portcullis.gateway.backend.ClosedWithoutAnswerException;
import io.portcullis.gateway.backend.Deployment;
import io.portcullis.gateway.backend.DeploymentHealth;
import io.portcullis.gateway.backend.DeploymentHealth.AttemptResult;
import io.portcullis.gateway.backend.DeploymentRouter;
import io.portcullis.gateway.backend.InProcessBackend;
import io.portcullis.gateway.backend.NoFreeConnectionException;
import io.portcullis.gateway.backend.StreamedBody;
import io.portcullis.gateway.backend.UpstreamClient;
import io.portcullis.gateway.backend.UpstreamClient.UpstreamAnswer;
import io.portcullis.gateway.backend.UpstreamProperties;
import io.portcullis.gateway.backend.anthropic.UnsupportedContent;
import io.portcullis.gateway.web.ApiError;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Retry and circuit breaking around one attempt: calls deployments one after another until one
 * answers something worth relaying, retries run out, or no deployment's circuit lets a call
 * through. Connection errors, 429 and 5xx are retried with backoff and jitter, untried
 * deployments first ({@link DeploymentRouter}); each call is reported to its deployment's circuit
 * breaker. An answer that will be retried is read (its small error body kept) and its connection
 * closed before the backoff wait, so a waiting request holds no upstream connection.
 *
 * <p>A deployment the registry answers in process ({@link InProcessBackend}: the demo model) is
 * given the same call and its answer taken as an HTTP answer; everything else about the attempt
 * (circuit, retries, what follows) is the same.
 */
@Component
class Failover {

    private static final Logger log = LoggerFactory.getLogger(Failover.class);
    /** Most of a retryable error answer kept while waiting to retry; error bodies are small. */
    static final int ERROR_BODY_LIMIT = 64 * 1024;

    private final UpstreamClient client;
    private final BackendRegistry registry;
    private final DeploymentRouter router;
    private final Retry retry;
    private final Duration responseTimeout;

    Failover(UpstreamClient client, BackendRegistry registry, DeploymentRouter router, UpstreamProperties upstream) {
        this.client = client;
        this.registry = registry;
        this.router = router;
        this.retry = Retry.of("upstream", router.<Attempt>retryConfig(Attempt::retryable));
        this.responseTimeout = upstream.responseTimeout();
    }

    /**
     * What is sent to a deployment: where, the body (JSON bytes, or an upload written as it is
     * sent when {@code streamed} is not null), and the headers as name, value pairs.
     */
    record UpstreamCall(URI uri, byte[] body, StreamedBody streamed, String[] headers) {
    }

    /**
     * @param calls what to send to a given deployment; throws {@link UnsupportedContent} when the
     *              request cannot be expressed for it (a 400, never retried)
     * @return the answer to relay: 2xx, or the backend's error once retries are over
     */
    Attempt firstAnswer(Exchange exchange, Route route, Function<Deployment, UpstreamCall> calls) {
        Retry.Context<Attempt> attempts = retry.context();
        Set<Deployment> tried = new HashSet<>();
        for (int retry = 0; ; retry++) {
            var permit = router.pick(route, tried);
            if (permit.isEmpty()) {
                throw ApiError.upstreamUnavailable("Every deployment of model '" + route.model()
                        + "' is down or its circuit is open; retry later").toException();
            }
            Deployment deployment = permit.get().deployment();
            tried.add(deployment);
            exchange.deployment = deployment;
            Attempt attempt = traced(exchange, permit.get(), retry, calls);
            if (attempt.retryable() && attempts.onResult(attempt)) {
                continue; // onResult has waited the backoff; the answer was closed before it
            }
            if (attempt.failure() != null) {
                throw attempt.failure().toException();
            }
            return attempt;
        }
    }

    /** One attempt as one span, whose {@code traceparent} goes upstream with the call. */
    private Attempt traced(Exchange exchange, DeploymentHealth.Permit permit, int retry,
                           Function<Deployment, UpstreamCall> calls) {
        try (var span = exchange.trace.attempt(permit.deployment(), retry, permit.circuit())) {
            exchange.upstreamTraceparent = span.traceparent();
            Attempt attempt = attempt(exchange, permit, calls);
            ApiError failure = attempt.failure();
            if (failure != null) {
                span.result(0, failure.code() != null ? failure.code() : failure.type());
            } else {
                span.result(attempt.status(), attempt.status() >= 400 ? Integer.toString(attempt.status()) : null);
            }
            return attempt;
        } finally {
            exchange.upstreamTraceparent = null;
        }
    }

    /** One call to one deployment, its result reported to the deployment's circuit breaker. */
    private Attempt attempt(Exchange exchange, DeploymentHealth.Permit permit,
                            Function<Deployment, UpstreamCall> calls) {
        Deployment deployment = permit.deployment();
        String backend = deployment.backend().name();
        UpstreamCall upstream;
        try {
            upstream = calls.apply(deployment);
        } catch (UnsupportedContent e) {
            permit.release();
            throw ApiError.invalidRequest(e.getMessage(), e.param()).toException();
        }
        var inProcess = registry.inProcess(deployment);
        if (inProcess.isPresent()) {
            permit.report(AttemptResult.SUCCESS);
            return Attempt.inProcess(permit, inProcess.get().answer(upstream.uri().getRawPath(), upstream.body()));
        }
        try {
            UpstreamAnswer answer = upstream.streamed() != null
                    ? client.post(upstream.uri(), upstream.streamed(), upstream.headers())
                    : client.post(upstream.uri(), upstream.body(), upstream.headers());
            int status = answer.status();
            if (status == 429 || status >= 500) {
                permit.report(status == 429 ? AttemptResult.RATE_LIMITED : AttemptResult.SERVER_ERROR);
                return Attempt.retryableAnswer(permit, answer);
            }
            permit.report(AttemptResult.SUCCESS);
            return Attempt.answer(permit, answer);
        } catch (NoFreeConnectionException e) {
            // the gateway's own limit (gateway.upstream.max-connections), not the backend's fault
            permit.release();
            return Attempt.failed(permit, ApiError.upstreamUnavailable("Too many open calls to backend '" + backend
                    + "'; retry later"), false);
        } catch (ConnectException | UnknownHostException e) {
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
            if (e instanceof ClosedWithoutAnswerException) {
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
     * One call's result: an HTTP answer (status, headers, body as it arrives), or a failure already
     * in the contract's terms. Close it once relayed.
     *
     * @param upstream  the live answer, or null when its body was buffered or there was none
     * @param body      the body to relay: the live stream, a buffered error body, or null on failure
     * @param retryable whether another attempt may do better (connection errors, 429, 5xx)
     */
    record Attempt(DeploymentHealth.Permit permit, int status, String contentType, long contentLength,
                   InputStream body, UpstreamAnswer upstream, ApiError failure, boolean retryable)
            implements AutoCloseable {

        static Attempt failed(DeploymentHealth.Permit permit, ApiError failure, boolean retryable) {
            return new Attempt(permit, 0, null, -1, null, null, failure, retryable);
        }

        static Attempt answer(DeploymentHealth.Permit permit, UpstreamAnswer answer) {
            return new Attempt(permit, answer.status(), answer.header("content-type"), contentLength(answer),
                    answer.body(), answer, null, false);
        }

        /** An answer given in process: whole, with nothing to close. */
        static Attempt inProcess(DeploymentHealth.Permit permit, InProcessBackend.Answer answer) {
            return new Attempt(permit, answer.status(), answer.contentType(), answer.body().length,
                    new ByteArrayInputStream(answer.body()), null, null, false);
        }

        /** Keeps the (small) error body and closes the connection at once. */
        static Attempt retryableAnswer(DeploymentHealth.Permit permit, UpstreamAnswer answer) {
            try (answer) {
                byte[] body;
                try {
                    body = answer.body().readNBytes(ERROR_BODY_LIMIT);
                } catch (IOException e) {
                    body = new byte[0];
                }
                return new Attempt(permit, answer.status(), answer.header("content-type"), body.length,
                        new ByteArrayInputStream(body), null, null, true);
            }
        }

        Deployment deployment() {
            return permit.deployment();
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

        @Override
        public void close() {
            if (upstream != null) {
                upstream.close();
            }
        }
    }
}
