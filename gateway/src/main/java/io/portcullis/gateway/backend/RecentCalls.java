package io.portcullis.gateway.backend;

import io.portcullis.gateway.backend.DeploymentHealth.AttemptResult;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;

/**
 * One deployment's calls over the last few minutes, as this replica made them: how many, how many
 * failed or were rate limited, and how long the answered ones took to answer. What the console's
 * Backends page shows beside the circuit breaker, whose count-based window says nothing about
 * when its calls happened or how slow they were.
 *
 * <p>A ring of {@value #SLOTS} slots of {@link #SLOT} each (a window of five minutes); a slot is
 * cleared when the ring comes round to it again, so a quiet deployment's old calls age out with
 * no timer. Latencies go into a fixed log-scale histogram per slot, so memory stays the same
 * however much traffic there is (about 5 KB per deployment) and percentiles are estimates: at most
 * a quarter above the true value, never above the slowest call of the window.
 *
 * <p>Latency is the time to the answer's head (status and headers), the moment the gateway
 * decides success or failure; for a stream that is its first byte, not its end. Calls that got
 * no answer (unreachable, timed out, broken) count as failures but not in the latencies: their
 * time says how long the gateway waited, not how fast the backend answers.
 *
 * <p>The ring owns its lock: one short critical section per call (a few array increments).
 */
public final class RecentCalls {

    /** Width of one slot; the window is {@value #SLOTS} of them. */
    static final Duration SLOT = Duration.ofSeconds(30);
    static final int SLOTS = 10;
    /** The window the figures cover. */
    static final Duration WINDOW = SLOT.multipliedBy(SLOTS);

    /** Upper bounds of the latency bins in microseconds: 1 ms, then each a quarter more, past ten minutes. */
    private static final long[] BOUNDS_MICROS = bounds();

    private final InstantSource clock;
    private final Slot[] slots = new Slot[SLOTS];

    RecentCalls(InstantSource clock) {
        this.clock = clock;
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = new Slot();
        }
    }

    private static long[] bounds() {
        var bounds = new java.util.ArrayList<Long>();
        for (double b = 1_000; b < TimeUnit.MINUTES.toMicros(10); b *= 1.25) {
            bounds.add(Math.round(b));
        }
        return bounds.stream().mapToLong(Long::longValue).toArray();
    }

    /** One slot's counts; {@code epoch} says which period of the clock they belong to. */
    private static final class Slot {
        long epoch = Long.MIN_VALUE;
        long calls;
        long failures;
        long rateLimited;
        long answered;
        long latencySumMicros;
        long latencyMaxMicros;
        /** One bin more than the bounds: everything slower than the last. */
        final long[] bins = new long[BOUNDS_MICROS.length + 1];

        void reset(long newEpoch) {
            epoch = newEpoch;
            calls = failures = rateLimited = answered = latencySumMicros = latencyMaxMicros = 0;
            java.util.Arrays.fill(bins, 0);
        }
    }

    private long epoch() {
        return Math.floorDiv(clock.millis(), SLOT.toMillis());
    }

    /** Records one call to the deployment: how it went and how long it took. */
    synchronized void record(AttemptResult result, long elapsedNanos) {
        long now = epoch();
        Slot slot = slots[(int) Math.floorMod(now, (long) SLOTS)];
        if (slot.epoch != now) {
            slot.reset(now);
        }
        slot.calls++;
        boolean answered = switch (result) {
            case SUCCESS -> true;
            case SERVER_ERROR -> {
                slot.failures++;
                yield true;
            }
            case RATE_LIMITED -> {
                slot.rateLimited++;
                yield true;
            }
            case UNREACHABLE, TIMEOUT, BROKEN -> {
                slot.failures++;
                yield false;
            }
        };
        if (answered) {
            long micros = Math.max(0, TimeUnit.NANOSECONDS.toMicros(elapsedNanos));
            slot.answered++;
            slot.latencySumMicros += micros;
            slot.latencyMaxMicros = Math.max(slot.latencyMaxMicros, micros);
            slot.bins[bin(micros)]++;
        }
    }

    private static int bin(long micros) {
        int i = java.util.Arrays.binarySearch(BOUNDS_MICROS, micros);
        return i >= 0 ? i : -i - 1;
    }

    /** The calls of the window that ends now. */
    synchronized Summary summary() {
        long now = epoch();
        long calls = 0;
        long failures = 0;
        long rateLimited = 0;
        long answered = 0;
        long sum = 0;
        long max = 0;
        long[] bins = new long[BOUNDS_MICROS.length + 1];
        for (Slot slot : slots) {
            if (slot.epoch > now - SLOTS && slot.epoch <= now) {
                calls += slot.calls;
                failures += slot.failures;
                rateLimited += slot.rateLimited;
                answered += slot.answered;
                sum += slot.latencySumMicros;
                max = Math.max(max, slot.latencyMaxMicros);
                for (int i = 0; i < bins.length; i++) {
                    bins[i] += slot.bins[i];
                }
            }
        }
        if (answered == 0) {
            return new Summary(WINDOW, calls, failures, rateLimited, null, null, null);
        }
        return new Summary(WINDOW, calls, failures, rateLimited, percentile(bins, answered, 0.50, max),
                percentile(bins, answered, 0.99, max), Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(sum / answered)));
    }

    /** The upper bound of the bin holding the {@code p}-th call, but never more than the slowest call. */
    private static Duration percentile(long[] bins, long answered, double p, long maxMicros) {
        long rank = Math.max(1, (long) Math.ceil(p * answered));
        long seen = 0;
        for (int i = 0; i < bins.length; i++) {
            seen += bins[i];
            if (seen >= rank) {
                long bound = i < BOUNDS_MICROS.length ? BOUNDS_MICROS[i] : maxMicros;
                return Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(Math.min(bound, maxMicros)));
            }
        }
        return Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(maxMicros));
    }

    /**
     * A deployment's calls over {@code window}, on this replica.
     *
     * @param calls       every call with a result, rate-limited ones included
     * @param failures    server errors, unreachable, timed out or broken (the circuit breaker's failures)
     * @param rateLimited answers 429 (neither success nor failure to the circuit)
     * @param p50         median time to the answer's head, null without an answered call
     * @param p99         99th percentile of the same, null without an answered call
     * @param mean        mean of the same, null without an answered call
     */
    public record Summary(Duration window, long calls, long failures, long rateLimited, Duration p50, Duration p99,
                          Duration mean) {

        /** No call in the window. */
        public static final Summary NONE = new Summary(WINDOW, 0, 0, 0, null, null, null);

        /** Failed calls as a percentage of all calls, or null without calls. */
        public Double errorRate() {
            return calls == 0 ? null : Math.round(failures * 1000.0 / calls) / 10.0;
        }
    }
}
