package io.portcullis.gateway.proxy;

import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.backend.BackendRegistry.Route;
import io.portcullis.gateway.backend.Deployment;
import io.portcullis.gateway.usage.BilledBy;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.policy.quota.ModelPrice;
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
    /** The status given to the client, once known (the backend's, or the gateway's error). */
    int status;
    long firstTokenNanos;
    long upstreamNanos;
    /** Usage the backend reported, or null while it has reported none. */
    Usage reported;
    /** Content events relayed to the client so far: what a cut stream is billed at least. */
    long streamedTokens;
    /** The backend reported a failure inside its stream (an error event) before ending it. */
    boolean streamFailed;
    /**
     * Whether a backend may have done billable work for this request: it answered 2xx, or it
     * timed out after receiving the request. From then on the request is never free.
     */
    boolean backendWorked;
    /** How the request ended; null until it has. */
    Ending ending;
    /** Quota held by the request until it is settled; null when it never got that far. */
    Reservation reservation;
    RequestInspector.Inspection inspection;
    /** The multipart upload being served, its files spooled until the request ends; null for JSON bodies. */
    Upload upload;
    /** The model's price, looked up once when the request is decided; null before. */
    ModelPrice price;
    /** The smaller of the key's and the team's {@code maxTokensPerRequest}, or -1 when neither has one. */
    long outputCap = -1;
    /**
     * Told, once, the id of the stored response the answer creates (Responses API), before the
     * client can see that id; null when nothing is to be recorded.
     */
    java.util.function.Consumer<String> onResponseCreated;
    /** The id of the response the answer created, once seen (Responses API). */
    String responseId;
    /** The request's spans ({@link RequestTracing}); {@code OFF} until started, and when not traced. */
    RequestTracing.Trace trace = RequestTracing.Trace.OFF;
    /** The {@code traceparent} of the upstream attempt under way, sent with it; null when not traced. */
    String upstreamTraceparent;
    /** What the request is billed, set when it is settled. */
    Usage billed = Usage.ZERO;
    long costMicros;
    /** How {@link #billed} and {@link #costMicros} were arrived at; set when the request is settled. */
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

    /** The gateway answers with a contract error. */
    void refused(ApiError error) {
        status = error.status();
        ending = new Ending.Refused(error, backendWorked);
    }

    /** A 2xx answer reached its end and the client. */
    void answered(int status) {
        this.status = status;
        ending = reported != null ? new Ending.Answered(status, reported) : new Ending.Unmetered(status, streamedTokens);
    }

    /**
     * A 2xx answer without usage figures reached its end and the client, and the gateway counted
     * what it is priced by itself; usage the backend did report still comes first.
     */
    void counted(int status, Usage usage) {
        this.status = status;
        ending = reported != null ? new Ending.Answered(status, reported) : new Ending.Counted(status, usage);
    }

    /** The answer had started when the client left or the backend broke off or went silent. */
    void cutShort(int status, Outcome why) {
        this.status = status;
        ending = new Ending.CutShort(status, why, reported, streamedTokens);
    }

    /** The backend's own error status was relayed. */
    void backendError(int status) {
        this.status = status;
        ending = new Ending.BackendError(status, reported);
    }

    void crashed(RuntimeException cause) {
        status = 500;
        ending = new Ending.Crashed(500, cause, backendWorked, streamedTokens);
    }

    /** The answer carries the id of the response it creates; only the first id seen counts. */
    void responseCreated(String id) {
        if (responseId == null && id != null && !id.isEmpty()) {
            responseId = id;
            if (onResponseCreated != null) {
                onResponseCreated.accept(id);
            }
        }
    }

    /** Backend usage figures read from its answer; null (none found) leaves what was seen before. */
    void report(Usage usage) {
        if (usage != null) {
            reported = usage;
        }
    }

    /** The ledger and metric outcome tag. */
    String outcome() {
        return ending == null ? Outcome.SUCCESS.tag() : ending.tag();
    }
}
