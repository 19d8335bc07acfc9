package io.portcullis.gateway.proxy;

import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.backend.BackendRegistry.Route;
import io.portcullis.gateway.backend.Deployment;
import io.portcullis.gateway.usage.BilledBy;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.policy.quota.Reservation;
import java.time.Instant;

/**
 * What the request path learns about one request as it goes: who, which model and backend,
 * how it ended, how many tokens. Confined to the request's thread; read once at the end by
 * {@link Metering}.
 */
final class Exchange {

    /**
     * Response header: microseconds the gateway spent on this request before its answer started,
     * excluding the wait for the backend (docs/performance.md). Measured when the backend's
     * response headers arrive, so it covers authentication, decision, routing and sending the
     * request, for streams and whole answers alike; relaying the body is not in it (the header
     * leaves before the body). Benchmarks read it; changing the name breaks them.
     */
    static final String OVERHEAD_HEADER = "x-portcullis-overhead-us";

    final Endpoint endpoint;
    final String requestId;
    final long startNanos;
    final Instant startedAt;

    Caller caller;
    String model;
    /** Whether a configured backend serves {@link #model}. */
    boolean modelServed;
    Route route;
    /** The deployment that finally answered (the last one tried); null before forwarding. */
    Deployment deployment;
    boolean streamed;
    int status;
    String outcome;
    long firstTokenNanos;
    long upstreamNanos;
    Usage usage = Usage.NONE;
    /** Quota held by the request until it is settled; null when it never got that far. */
    Reservation reservation;
    RequestInspector.Inspection inspection;
    long costMicros;
    /** How {@link #usage} and {@link #costMicros} were arrived at; set when the request is settled. */
    BilledBy billedBy = BilledBy.NONE;

    Exchange(Endpoint endpoint, String requestId, long startNanos, Instant startedAt) {
        this.endpoint = endpoint;
        this.requestId = requestId;
        this.startNanos = startNanos;
        this.startedAt = startedAt;
    }

    /** Time since the request arrived, less the time spent waiting on the backend so far. */
    long overheadMicros(long nowNanos) {
        return Math.max(0, nowNanos - startNanos - upstreamNanos) / 1_000;
    }

    /** The backend name for metrics and the ledger, or null when nothing was forwarded. */
    String backendName() {
        return deployment != null ? deployment.backend().name() : null;
    }

    void failed(ApiError error) {
        status = error.status();
        outcome = error.code();
    }

    void ended(int status, Outcome outcome) {
        this.status = status;
        this.outcome = outcome.tag();
    }

    String outcome() {
        return outcome == null ? Outcome.SUCCESS.tag() : outcome;
    }

    /** Token counts reported by the backend. */
    record Usage(int promptTokens, int completionTokens, int cachedTokens) {
        static final Usage NONE = new Usage(0, 0, 0);
    }
}
