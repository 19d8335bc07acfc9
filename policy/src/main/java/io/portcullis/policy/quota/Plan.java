package io.portcullis.policy.quota;

import io.portcullis.policy.Limits;
import java.time.Instant;
import java.util.Arrays;
import java.util.function.Function;

/**
 * One scope's limits for the current day and month, compiled once, with the leases they draw on
 * in the order they are reserved. Immutable; a plan holding a retired lease is {@link #stale}
 * and is compiled again.
 */
final class Plan {

    /** Metrics in the order they are reserved: cheapest to refuse first. */
    private static final Metric[] ORDER = {Metric.CONCURRENT_REQUESTS, Metric.REQUESTS_PER_MINUTE,
            Metric.TOKENS_PER_MINUTE, Metric.TOKENS_PER_DAY, Metric.TOKENS_PER_MONTH, Metric.SPEND_PER_MONTH};

    private final Limits limits;
    private final long dayStart;
    private final long monthStart;
    private final Lease[] leases;
    private final long[] limitValues;

    private Plan(Limits limits, long dayStart, long monthStart, Lease[] leases, long[] limitValues) {
        this.limits = limits;
        this.dayStart = dayStart;
        this.monthStart = monthStart;
        this.leases = leases;
        this.limitValues = limitValues;
    }

    /** Compiles {@code limits} of {@code scope} for the windows around {@code now}; {@code leaseOf} finds or makes each lease. */
    static Plan compile(String scope, Limits limits, CalendarWindows windows, Instant now,
                        Function<LeaseKey, Lease> leaseOf) {
        int n = 0;
        Lease[] built = new Lease[ORDER.length];
        long[] limitValues = new long[ORDER.length];
        for (Metric metric : ORDER) {
            Long limit = limitOf(limits, metric);
            if (limit == null) {
                continue;
            }
            built[n] = leaseOf.apply(new LeaseKey(scope, metric, windows.windowStart(metric, now)));
            limitValues[n] = limit;
            n++;
        }
        return new Plan(limits, windows.windowStart(Metric.TOKENS_PER_DAY, now),
                windows.windowStart(Metric.TOKENS_PER_MONTH, now), Arrays.copyOf(built, n), Arrays.copyOf(limitValues, n));
    }

    private static Long limitOf(Limits limits, Metric metric) {
        return switch (metric) {
            case REQUESTS_PER_MINUTE -> limits.requestsPerMinute();
            case TOKENS_PER_MINUTE -> limits.tokensPerMinute();
            case TOKENS_PER_DAY -> limits.tokensPerDay();
            case TOKENS_PER_MONTH -> limits.tokensPerMonth();
            case SPEND_PER_MONTH -> limits.spendPerMonthMicros();
            case CONCURRENT_REQUESTS -> limits.maxConcurrentRequests();
        };
    }

    /** What a request of {@code tokens} costing {@code costMicros} takes from a lease of {@code metric}. */
    static long amountOf(Metric metric, long tokens, long costMicros) {
        return switch (metric) {
            case REQUESTS_PER_MINUTE, CONCURRENT_REQUESTS -> 1;
            case SPEND_PER_MONTH -> costMicros;
            default -> tokens;
        };
    }

    int size() {
        return leases.length;
    }

    Lease lease(int i) {
        return leases[i];
    }

    long limit(int i) {
        return limitValues[i];
    }

    long amount(int i, long tokens, long costMicros) {
        return amountOf(leases[i].key.metric(), tokens, costMicros);
    }

    /** Whether this plan still serves {@code current} limits in the given day and month. */
    boolean fits(Limits current, long day, long month) {
        return dayStart == day && monthStart == month && limits.equals(current) && !stale();
    }

    /** Whether a lease of this plan was retired, so the plan must be compiled again. */
    boolean stale() {
        for (Lease lease : leases) {
            if (lease.retired()) {
                return true;
            }
        }
        return false;
    }

    /** Gives back what the first {@code count} leases gave a request that was then refused. */
    void giveBack(int count, long tokens, long costMicros, Instant now) {
        for (int i = 0; i < count; i++) {
            leases[i].giveBack(amount(i, tokens, costMicros), now);
        }
    }

    /**
     * Corrects a reservation to what the request used: a request counted per minute happened
     * (nothing back), a concurrency slot is freed, tokens and spend are corrected to the real
     * figures.
     */
    void settle(long tokens, long costMicros, long actualTokens, long actualCostMicros, Instant now) {
        for (Lease lease : leases) {
            switch (lease.key.metric()) {
                case REQUESTS_PER_MINUTE -> {
                    // the request happened: nothing to give back
                }
                case CONCURRENT_REQUESTS -> lease.giveBack(1, now);
                case SPEND_PER_MONTH -> lease.correct(costMicros, actualCostMicros, now);
                case TOKENS_PER_MINUTE, TOKENS_PER_DAY, TOKENS_PER_MONTH -> lease.correct(tokens, actualTokens, now);
            }
        }
    }
}
