package io.portcullis.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;

/**
 * The gateway's own meters. Every tag value comes from a closed set: endpoint and outcome from
 * enums or contract codes, model from configuration (else {@code other}), backend from
 * configuration (else {@code none}). Key ids and user text are never tags.
 *
 * <p>Metric names are read by dashboards and alerts: treat them as public.
 */
@Component
public class GatewayMetrics {

    private static final Duration[] LATENCY_SLOS = {
            Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120)};

    private final MeterRegistry registry;
    private final AtomicInteger activeStreams = new AtomicInteger();

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("portcullis.streams.active", activeStreams);
    }

    /** Counts a finished request and times it. */
    public void request(String endpoint, String model, String backend, String outcome, long durationNanos) {
        Counter.builder("portcullis.requests")
                .description("Requests handled by the client API")
                .tags("endpoint", endpoint, "model", model, "backend", backend, "outcome", outcome)
                .register(registry)
                .increment();
        Timer.builder("portcullis.request.duration")
                .description("Time from request received to answer complete")
                .tags("endpoint", endpoint, "model", model, "outcome", outcome)
                .serviceLevelObjectives(LATENCY_SLOS)
                .register(registry)
                .record(durationNanos, TimeUnit.NANOSECONDS);
    }

    /** Time from request received to the first streamed event. */
    public void timeToFirstToken(String model, long nanos) {
        Timer.builder("portcullis.time.to.first.token")
                .description("Time from request received to the first streamed chunk")
                .tags("model", model)
                .serviceLevelObjectives(LATENCY_SLOS)
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Tokens reported by backends, by direction ({@code input} or {@code output}). */
    public void tokens(String model, int input, int output) {
        if (input > 0) {
            Counter.builder("portcullis.tokens").description("Tokens reported by backends")
                    .tags("model", model, "direction", "input").register(registry).increment(input);
        }
        if (output > 0) {
            Counter.builder("portcullis.tokens").description("Tokens reported by backends")
                    .tags("model", model, "direction", "output").register(registry).increment(output);
        }
    }

    public void streamOpened() {
        activeStreams.incrementAndGet();
    }

    public void streamClosed() {
        activeStreams.decrementAndGet();
    }
}
