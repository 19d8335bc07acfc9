package io.portcullis.gateway.quota;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.policy.quota.RefillObserver;
import io.portcullis.policy.quota.RefillPath;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.springframework.stereotype.Component;

/**
 * Where quota leases are topped up ahead of need: each top-up on its own virtual thread, so that
 * the request (or event loop) that found a lease low never waits for PostgreSQL. The policy decides
 * when (at most one refill per lease is in flight, so the threads are bounded by the leases in
 * use); this does the I/O. Also counts every store call for units by path,
 * {@code portcullis_quota_refills_total{path="foreground"|"background"}}: a steady stream of
 * requests should leave {@code foreground} still.
 */
@Component
class LeaseTopUps implements Executor, RefillObserver {

    private final java.util.concurrent.ThreadFactory factory = Thread.ofVirtual().name("quota-top-up-", 0).factory();
    /** Replaced when the context starts again after a stop (a paused test context does). */
    private volatile ExecutorService threads = Executors.newThreadPerTaskExecutor(factory);
    private final Map<RefillPath, Counter> refills = new EnumMap<>(RefillPath.class);
    private final LongAdder started = new LongAdder();

    LeaseTopUps(MeterRegistry registry) {
        for (RefillPath path : RefillPath.values()) {
            refills.put(path, Counter.builder(QuotaMetrics.REFILLS)
                    .description("Quota lease refills from the database: foreground when a request waited for one")
                    .tag("path", path.tag())
                    .register(registry));
        }
    }

    /** Starts a top-up; refused once {@link #drain} ran, which the lease answers by not topping up. */
    @Override
    public void execute(Runnable topUp) {
        threads.execute(topUp);
        started.increment();
    }

    /** Top-ups started on their own thread so far: proof that none ran on a request's. */
    long started() {
        return started.sum();
    }

    @Override
    public void refilled(RefillPath path) {
        refills.get(path).increment();
    }

    /** Takes top-ups again after a {@link #drain} (the context was stopped and started). */
    void resume() {
        if (threads.isShutdown()) {
            threads = Executors.newThreadPerTaskExecutor(factory);
        }
    }

    /**
     * Takes no more top-ups and waits (up to {@code atMost}) for those in flight to land, so that
     * leases given back at shutdown afterwards include what they brought.
     */
    void drain(Duration atMost) throws InterruptedException {
        threads.shutdown();
        threads.awaitTermination(atMost.toMillis(), TimeUnit.MILLISECONDS);
    }
}
