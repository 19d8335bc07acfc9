package io.portcullis.gateway.proxy;

import io.portcullis.gateway.metrics.CompletedRequest;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.usage.UsageLedger;
import io.portcullis.gateway.usage.UsageNames;
import io.portcullis.gateway.web.RequestIdFilter;
import io.portcullis.gateway.usage.UsageRecord;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/** Last step of the request path: one ledger record and the meters, whatever the outcome. */
@Component
class Metering {

    private final UsageLedger ledger;
    private final GatewayMetrics metrics;

    Metering(UsageLedger ledger, GatewayMetrics metrics) {
        this.ledger = ledger;
        this.metrics = metrics;
    }

    void complete(Exchange exchange) {
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
        ledger.record(new UsageRecord(id != null ? id : UUID.randomUUID(), clientRequestId, exchange.caller.keyId(),
                exchange.caller.teamId(), model, exchange.backendName(), exchange.endpoint.tag(),
                exchange.status, outcome, exchange.streamed, tokens(usage.promptTokens()), tokens(usage.completionTokens()),
                tokens(usage.cachedTokens()), exchange.costMicros, (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(durationNanos)),
                ttftMs, exchange.startedAt, exchange.billedBy));
    }

    private static int tokens(long count) {
        return (int) Math.min(Integer.MAX_VALUE, count);
    }
}
