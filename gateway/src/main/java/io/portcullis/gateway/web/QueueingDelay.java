package io.portcullis.gateway.web;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CoDel's overload test applied to admission: how long requests waited between the connector
 * handing them over and a thread starting on them, and whether that wait is a standing queue
 * (the replica is over capacity) or a burst it will absorb.
 *
 * <p>Each dispatch reports its wait ({@link #record}). Time is cut into intervals. The replica
 * becomes {@linkplain #overloaded() overloaded} when an interval ends whose <em>smallest</em> wait
 * was above the target: even the luckiest request queued, so the queue is standing. It stays so
 * while every interval still has a request that waited longer than the target and the interval's
 * mean wait is above half the target; it recovers after the first interval in which no request
 * came late, or in which they came late only now and then. While overloaded, a request that itself waited more than
 * the target is shed ({@link #sheds}); one that came through quickly is still served. A burst
 * drains within an interval and sheds nothing; a replica at three times its capacity answers the
 * excess at once instead of letting every request wait.
 *
 * <p>Why recovery asks for an interval without a late request, rather than for a small smallest
 * wait (CoDel's own exit): once the replica sheds, the requests it serves are by construction the
 * ones that waited less than the target, so every interval's smallest wait is small again. Leaving
 * the overloaded state on that would stop shedding every other interval, and each pause lets a
 * queue of an interval's worth of requests build up, which every admitted request then waits in
 * (the p99 of hundreds of milliseconds the first overload benchmark showed).
 *
 * <p>Why a mean as well: with no queue at all, a replica on one CPU still starts a request late
 * now and then, when its event loop, its carrier and its other work (GC, the JIT, a PostgreSQL on
 * the same CPU) take turns in slices longer than the target. One such stall of an interval entered
 * the overloaded state, and since nearly every interval then held one late start, the replica
 * never left it: at half its capacity it refused one request in seven that it served in 37 ms with
 * shedding off. Under a real overload the starts the replica still makes wait about the target on
 * average (it sheds the later ones); turns taken leave the mean well below it
 * (docs/performance.md, "Eighth pass").
 *
 * <p>{@link #shedsOnArrival} lets a server refuse a request as it arrives, before it is handed
 * over at all, while the latest dispatch (within the last target's worth of time) itself came
 * late: the 503 then costs neither a thread nor a place in the queue the admitted requests wait in.
 *
 * <p>Only the wait for the server is reported, never the wait for a backend: a slow model or a
 * long stream parks its thread without a dispatch, so it cannot make the replica shed.
 *
 * <p>Pure and lock-free: time is passed in (nanoseconds from one monotonic clock), the hot path
 * is a few volatile reads and writes and, when a new smallest or largest wait is seen, a
 * compare-and-set.
 */
public final class QueueingDelay {

    private static final long NONE = Long.MAX_VALUE;

    private final long targetNanos;
    private final long intervalNanos;
    private final AtomicLong windowMin = new AtomicLong(NONE);
    private final AtomicLong windowMax = new AtomicLong(-1);
    private final AtomicLong windowSum = new AtomicLong();
    private final AtomicLong windowCount = new AtomicLong();
    private final AtomicLong windowEnd;
    private volatile boolean overloaded;
    private volatile long lastMinNanos;
    /** The latest dispatch's wait and when it was reported: what {@link #shedsOnArrival} judges by. */
    private volatile long latestWaitNanos;
    private volatile long latestAtNanos;

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
        this.latestAtNanos = nowNanos - intervalNanos;
    }

    /** One request (or connector task) waited {@code waitedNanos} before a thread started on it. */
    public void record(long waitedNanos, long nowNanos) {
        long min = windowMin.get();
        while (waitedNanos < min && !windowMin.compareAndSet(min, waitedNanos)) {
            min = windowMin.get();
        }
        long max = windowMax.get();
        while (waitedNanos > max && !windowMax.compareAndSet(max, waitedNanos)) {
            max = windowMax.get();
        }
        windowSum.addAndGet(waitedNanos);
        windowCount.incrementAndGet();
        latestWaitNanos = waitedNanos;
        latestAtNanos = nowNanos;
        long end = windowEnd.get();
        // one caller closes the interval; the others carry on without waiting for it
        if (nowNanos - end >= 0 && windowEnd.compareAndSet(end, nowNanos + intervalNanos)) {
            long closedMin = windowMin.getAndSet(NONE);
            long closedMax = windowMax.getAndSet(-1);
            long closedSum = windowSum.getAndSet(0);
            long closedCount = windowCount.getAndSet(0);
            lastMinNanos = closedMin == NONE ? 0 : closedMin;
            if (closedMin == NONE) {
                overloaded = false;
            } else if (nowNanos - end >= intervalNanos) {
                // nothing was dispatched for a whole interval before this: no queue stood meanwhile,
                // and the first request after the lull gives the verdict
                overloaded = waitedNanos > targetNanos;
            } else if (overloaded) {
                // still requests arriving late, and not just a few among quick ones: the queue still stands
                overloaded = closedMax > targetNanos && closedSum > closedCount * (targetNanos / 2);
            } else {
                overloaded = closedMin > targetNanos;
            }
        }
    }

    /** Whether a request that waited {@code waitedNanos} should be refused now. */
    public boolean sheds(long waitedNanos) {
        return waitedNanos > targetNanos && overloaded;
    }

    /**
     * Whether a request arriving now should be refused before it is handed over: the replica is
     * overloaded and the latest dispatch, reported within the last target's worth of time, waited
     * longer than the target, so this one would queue behind the same queue. Once dispatches stop
     * coming late (or stop coming), arrivals are handed over again and judged by {@link #sheds}.
     */
    public boolean shedsOnArrival(long nowNanos) {
        return overloaded && latestWaitNanos > targetNanos && nowNanos - latestAtNanos < targetNanos;
    }

    /** Whether the replica is shedding: a standing queue was seen and requests still arrive late. */
    public boolean overloaded() {
        return overloaded;
    }

    /** The smallest wait of the last closed interval, in nanoseconds: the queue that stands. */
    public long standingDelayNanos() {
        return lastMinNanos;
    }
}
