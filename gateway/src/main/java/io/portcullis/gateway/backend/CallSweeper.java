package io.portcullis.gateway.backend;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that enforces the response and idle timeouts of every open upstream call
 * ({@link CallWatch}), so no call needs a timer of its own.
 *
 * <p>Not on the housekeeper: it is part of every call's timeouts, runs up to a hundred times a
 * second (an eighth of the shortest timeout), and lives exactly as long as its client, which
 * closes after the housekeeper has stopped. Closing stops it by the housekeeper's rule: the sweep
 * in progress finishes, waited for up to a second, then it is left behind.
 */
final class CallSweeper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CallSweeper.class);

    private final Set<CallWatch> open = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService sweeper;

    CallSweeper(UpstreamProperties config) {
        Duration shortest = config.responseTimeout().compareTo(config.idleTimeout()) <= 0
                ? config.responseTimeout() : config.idleTimeout();
        long sweepMillis = Math.clamp(shortest.toMillis() / 8, 10, 1000);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("upstream-idle-sweeper").factory());
        sweeper.scheduleWithFixedDelay(this::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    }

    void watch(CallWatch watch) {
        open.add(watch);
    }

    void forget(CallWatch watch) {
        open.remove(watch);
    }

    /**
     * Never ends in an exception: a scheduled task that throws is not run again, and the waits for
     * an answer's head have no timer but this one.
     */
    private void sweep() {
        long now = System.nanoTime();
        for (CallWatch watch : open) {
            try {
                watch.expireIfStalled(now);
            } catch (RuntimeException e) {
                log.warn("Could not cancel an upstream call past its timeout", e);
            }
        }
    }

    @Override
    public void close() {
        sweeper.shutdown();
        try {
            sweeper.awaitTermination(1, TimeUnit.SECONDS); // a sweep takes microseconds: a bound, not a wait
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sweeper.shutdownNow();
    }
}
