package io.portcullis.gateway.quota;

import io.portcullis.policy.quota.QuotaEngine;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Background upkeep of this replica's quota leases: gives back idle leases every quarter second
 * (so budget is not stranded on a quiet replica), heartbeats concurrency slots, purges old
 * counters hourly, and on shutdown gives everything back.
 */
@Component
class LeaseMaintenance implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LeaseMaintenance.class);
    private static final Duration TICK = Duration.ofMillis(250);
    private static final Duration HEARTBEAT = Duration.ofSeconds(5);
    private static final Duration PURGE = Duration.ofHours(1);

    private final QuotaEngine engine;
    private final JdbcLeaseStore store;
    private final InstantSource clock;
    private volatile boolean running;
    private Thread thread;

    LeaseMaintenance(QuotaEngine engine, JdbcLeaseStore store, InstantSource clock) {
        this.engine = engine;
        this.store = store;
        this.clock = clock;
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofPlatform().daemon().name("quota-lease-maintenance").start(this::run);
    }

    /** Stops after the web server has drained (lower phase stops later), before the DataSource closes. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }

    @Override
    public void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            engine.returnIdleLeases(Duration.ZERO, clock.instant());
        } catch (RuntimeException e) {
            log.warn("Could not give back quota leases at shutdown: {}", e.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void run() {
        Instant lastHeartbeat = Instant.EPOCH;
        Instant lastPurge = Instant.EPOCH;
        while (running) {
            try {
                Thread.sleep(TICK);
            } catch (InterruptedException e) {
                return;
            }
            Instant now = clock.instant();
            try {
                engine.returnIdleLeases(QuotaEngine.DEFAULT_IDLE, now);
                if (Duration.between(lastHeartbeat, now).compareTo(HEARTBEAT) >= 0) {
                    store.heartbeat();
                    lastHeartbeat = now;
                }
                if (Duration.between(lastPurge, now).compareTo(PURGE) >= 0) {
                    store.purge(now);
                    lastPurge = now;
                }
            } catch (RuntimeException e) {
                log.debug("Lease upkeep failed, will retry: {}", e.toString());
            }
        }
    }
}
