package io.portcullis.gateway.quota;

import io.portcullis.gateway.housekeeping.HousekeepingTask;
import io.portcullis.gateway.housekeeping.PeriodicWork;
import io.portcullis.policy.quota.QuotaEngine;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Upkeep of this replica's quota leases, run by the housekeeper: gives back idle leases every
 * quarter second (so budget is not stranded on a quiet replica), heartbeats concurrency slots
 * every 5 s, purges old counters hourly. Its own lifecycle only gives everything back at shutdown,
 * once the {@link LeaseTopUps} in flight have landed.
 */
@Component
class LeaseMaintenance implements PeriodicWork, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LeaseMaintenance.class);
    private static final Duration TICK = Duration.ofMillis(250);
    private static final Duration HEARTBEAT = Duration.ofSeconds(5);
    private static final Duration PURGE = Duration.ofHours(1);
    /** How long shutdown waits for top-ups at the database: a store call, with room for a slow one. */
    private static final Duration TOP_UP_DRAIN = Duration.ofSeconds(5);

    private final QuotaEngine engine;
    private final JdbcLeaseStore store;
    private final LeaseTopUps topUps;
    private final InstantSource clock;
    /** Lifecycle state only: whether the leases are still to be given back at shutdown. */
    private volatile boolean started;

    LeaseMaintenance(QuotaEngine engine, JdbcLeaseStore store, LeaseTopUps topUps, InstantSource clock) {
        this.engine = engine;
        this.store = store;
        this.topUps = topUps;
        this.clock = clock;
    }

    @Override
    public List<HousekeepingTask> housekeepingTasks() {
        return List.of(
                new HousekeepingTask("quota.idle-leases", TICK, TICK,
                        () -> engine.returnIdleLeases(QuotaEngine.DEFAULT_IDLE, clock.instant())),
                new HousekeepingTask("quota.slot-heartbeat", HEARTBEAT, TICK, store::heartbeat),
                new HousekeepingTask("quota.purge", PURGE, TICK, () -> store.purge(clock.instant())));
    }

    @Override
    public void start() {
        topUps.resume();
        started = true;
    }

    /**
     * Stops after the usage ledger's final flush ({@code DEFAULT_PHASE - 4096}; a lower phase stops
     * later), so leases go back last, once the housekeeper's upkeep has stopped and before the
     * DataSource closes.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4608;
    }

    @Override
    public void stop() {
        started = false;
        try {
            topUps.drain(TOP_UP_DRAIN); // what top-ups in flight bring goes back with the rest
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            engine.returnIdleLeases(Duration.ZERO, clock.instant());
        } catch (RuntimeException e) {
            log.warn("Could not give back quota leases at shutdown: {}", e.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return started;
    }
}
