package io.portcullis.gateway.proxy;

import io.portcullis.gateway.metrics.CompletedRequest;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.usage.UsageLedger;
import io.portcullis.gateway.usage.UsageNames;
import io.portcullis.gateway.web.RequestIdFilter;
import io.portcullis.gateway.usage.UsageRecord;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Last step of the request path: one ledger record, the meters, the access log line and the end of
 * the request's trace span, whatever the outcome.
 */
@Component
class Metering {

    /**
     * One INFO line per client-API request, under its own logger name so it can be turned off or
     * routed alone: the request id and the trace id side by side join logs to traces. On Boot's
     * default console it has a lean appender of its own ({@link AccessLog}).
     */
    private static final Logger access = LoggerFactory.getLogger(AccessLog.LOGGER);

    private final UsageLedger ledger;
    private final GatewayMetrics metrics;

    Metering(UsageLedger ledger, GatewayMetrics metrics) {
        this.ledger = ledger;
        this.metrics = metrics;
    }

    void complete(Exchange exchange) {
        try {
            meter(exchange);
        } finally {
            exchange.trace.end(exchange);
            if (access.isInfoEnabled()) {
                // only values the gateway chose or checked: ids, its endpoint tag, a served model, numbers;
                // one concatenation rather than slf4j's {} formatting (an argument array, boxing, a scan)
                access.info("request_id=" + exchange.requestId + " trace_id=" + exchange.trace.traceId()
                        + " endpoint=" + exchange.endpoint.tag()
                        + " model=" + (exchange.modelServed ? exchange.model : null)
                        + " backend=" + exchange.backendName() + " status=" + exchange.status
                        + " outcome=" + exchange.outcome()
                        + " duration_ms=" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exchange.startNanos));
            }
        }
    }

    private void meter(Exchange exchange) {
        long now = System.nanoTime();
        long durationNanos = now - exchange.startNanos;
        String outcome = exchange.outcome();
        long ttftNanos = exchange.streamed && exchange.firstTokenNanos != 0
                ? exchange.firstTokenNanos - exchange.startNanos : 0;
        Integer ttftMs = ttftNanos > 0 ? (int) TimeUnit.NANOSECONDS.toMillis(ttftNanos) : null;
        var usage = exchange.billed;
        metrics.completed(new CompletedRequest(exchange.endpoint.tag(), exchange.model,
                exchange.backendName(), outcome,
                exchange.caller != null ? exchange.caller.teamId() : null,
                durationNanos, exchange.upstreamNanos, ttftNanos, tokens(usage.promptTokens()),
                tokens(usage.completionTokens()), exchange.billedBy));
        if (exchange.caller == null) {
            return; // nobody to bill: the request never got past authentication
        }
        UUID id = RequestIdFilter.uuidOf(exchange.requestId);
        String clientRequestId = id == null ? exchange.requestId : null;
        // Only configured model names reach the ledger's dictionary; anything else is "(unknown)".
        String model = exchange.modelServed ? exchange.model : UsageNames.UNKNOWN_MODEL;
        try (var span = exchange.trace.step("ledger")) {
            record(exchange, id, clientRequestId, model, outcome, usage, durationNanos, ttftMs);
            span.result(0, null);
        }
    }

    /** Queues the request's ledger record; the batch write to the database is asynchronous. */
    private void record(Exchange exchange, UUID id, String clientRequestId, String model, String outcome, Usage usage,
                        long durationNanos, Integer ttftMs) {
        ledger.record(new UsageRecord(id != null ? id : UUID.randomUUID(), clientRequestId, exchange.caller.keyId(),
                exchange.caller.teamId(), model, exchange.backendName(), exchange.endpoint.tag(),
                exchange.status, outcome, exchange.streamed, tokens(usage.promptTokens()), tokens(usage.completionTokens()),
                tokens(usage.cachedTokens()), exchange.costMicros, (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(durationNanos)),
                ttftMs, exchange.startedAt, exchange.billedBy, usage.units()));
    }

    private static int tokens(long count) {
        return (int) Math.min(Integer.MAX_VALUE, count);
    }
}
