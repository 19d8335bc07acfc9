package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.BackendRegistry;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.usage.UsageLedger;
import io.portcullis.gateway.usage.UsageRecord;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/** Last step of the request path: one ledger record and the meters, whatever the outcome. */
@Component
class Metering {

    private final UsageLedger ledger;
    private final GatewayMetrics metrics;
    private final BackendRegistry backends;

    Metering(UsageLedger ledger, GatewayMetrics metrics, BackendRegistry backends) {
        this.ledger = ledger;
        this.metrics = metrics;
        this.backends = backends;
    }

    void complete(Exchange exchange) {
        long now = System.nanoTime();
        long durationNanos = now - exchange.startNanos;
        String modelTag = backends.modelTag(exchange.model);
        String backendTag = exchange.route != null ? exchange.route.backend().name() : "none";
        String outcome = exchange.outcome();
        metrics.request(exchange.endpoint.tag(), modelTag, backendTag, outcome, durationNanos);
        Integer ttftMs = null;
        if (exchange.streamed && exchange.firstTokenNanos != 0) {
            long ttft = exchange.firstTokenNanos - exchange.startNanos;
            metrics.timeToFirstToken(modelTag, ttft);
            ttftMs = (int) TimeUnit.NANOSECONDS.toMillis(ttft);
        }
        var usage = exchange.usage;
        metrics.tokens(modelTag, usage.promptTokens(), usage.completionTokens());
        if (exchange.caller == null) {
            return; // nobody to bill: the request never got past authentication
        }
        ledger.record(new UsageRecord(UUID.randomUUID(), exchange.requestId, exchange.caller.keyId(),
                exchange.caller.teamId(), exchange.model == null ? "" : exchange.model,
                exchange.route != null ? exchange.route.backend().name() : null, exchange.endpoint.tag(),
                exchange.status, outcome, exchange.streamed, usage.promptTokens(), usage.completionTokens(),
                usage.cachedTokens(), exchange.costMicros, (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(durationNanos)),
                ttftMs, exchange.startedAt));
    }
}
