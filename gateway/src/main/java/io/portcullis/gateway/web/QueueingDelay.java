package io.portcullis.gateway.web;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CoDel's overload test applied to admission: how long requests waited between the connector
 * handing them over and a thread starting on them, and whether that wait is a standing queue
 * (the replica is over capacity) or a burst it will absorb.
 *
 * <p>Each dispatch reports its wait ({@link #record}). Time is cut into intervals; when an
 * interval ends, the <em>smallest</em> wait seen in it decides: above the target, even the luckiest
 * request queued, so the queue is standing and the replica is {@linkplain #overloaded()
 * overloaded} until an interval's minimum falls back to the target. While overloaded, a request
 * that itself waited more than the target is shed ({@link #sheds}); one that came through quickly
 * is still served. A burst drains within an interval and sheds nothing; a replica at three times
 * its capacity answers the excess at once instead of letting every request wait.
 *
 * <p>Only the wait for the server is reported, never the wait for a backend: a slow model or a
 * long stream parks its thread without a dispatch, so it cannot make the replica shed.
 *
 * <p>Pure and lock-free: time is passed in (nanoseconds from one monotonic clock), the hot path
 * is a few volatile reads and, when a new minimum is seen, a compare-and-set.
 */
public final class QueueingDelay {

    private static final long NONE = Long.MAX_VALUE;

    private final long targetNanos;
    private final long intervalNanos;
    private final AtomicLong windowMin = new AtomicLong(NONE);
    private final AtomicLong windowEnd;
    private volatile boolean overloaded;
    private volatile long lastMinNanos;

    /**
     * @param target   the wait a request may have without the queue counting as standing
     * @param interval how long the wait must stay above the target before the replica sheds
     * @param nowNanos the clock's reading now: the first interval starts here
     */
    public QueueingDelay(Duration target, Duration interval, long nowNanos) {
        if (target.isNegative() || target.isZero() || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("target and interval must be positive");
        }
        this.targetNanos = target.toNanos();
        this.intervalNanos = interval.toNanos();
        this.windowEnd = new AtomicLong(nowNanos + intervalNanos);
    }

    /** One request (or connector task) waited {@code waitedNanos} before a thread started on it. */
    public void record(long waitedNanos, long nowNanos) {
        long min = windowMin.get();
        while (waitedNanos < min && !windowMin.compareAndSet(min, waitedNanos)) {
            min = windowMin.get();
        }
        long end = windowEnd.get();
        // one caller closes the interval; the others carry on without waiting for it
        if (nowNanos - end >= 0 && windowEnd.compareAndSet(end, nowNanos + intervalNanos)) {
            long closed = windowMin.getAndSet(NONE);
            lastMinNanos = closed == NONE ? 0 : closed;
            overloaded = closed != NONE && closed > targetNanos;
        }
    }

    /** Whether a request that waited {@code waitedNanos} should be refused now. */
    public boolean sheds(long waitedNanos) {
        return waitedNanos > targetNanos && overloaded;
    }

    /** Whether the last closed interval's smallest wait was above the target: a standing queue. */
    public boolean overloaded() {
        return overloaded;
    }

    /** The smallest wait of the last closed interval, in nanoseconds: the queue that stands. */
    public long standingDelayNanos() {
        return lastMinNanos;
    }
}
