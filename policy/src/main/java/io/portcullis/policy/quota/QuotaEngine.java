package io.portcullis.policy.quota;

import io.portcullis.policy.Decision;
import io.portcullis.policy.DenialReason;
import io.portcullis.policy.Limits;
import io.portcullis.policy.spi.LeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Admits requests against rate limits, budgets and concurrency, exactly across replicas, with
 * no shared-store round trip on the usual path.
 *
 * <p>Each replica holds {@link Lease leases}: slices of a shared budget taken from the
 * {@link LeaseStore} with an atomic conditional update that never lets the shared total pass
 * the limit. A request is admitted by taking its estimate from the local leases; a lease goes to
 * the store for a chunk (a fraction of the limit, shrinking as the budget runs out) when it runs
 * low, in the background ahead of need (on the executor given), or dry, on the request's own path
 * (the lease owns that protocol; {@link LowWater} says when a lease is low). This class composes leases into decisions: each
 * scope's limits become a {@link Plan} of leases, a request is reserved against its key's plan
 * and its team's all or nothing, and a refusal becomes a {@link Decision.Denied} that says why
 * and when to retry. After the answer, {@link #settle} corrects to the real usage: unused
 * estimate goes back to the local lease, overuse is charged to the store. Leases idle for a while
 * are given back ({@link #returnIdleLeases}), so a quiet replica does not sit on budget another
 * needs.
 *
 * <p>The bound: admitted reservations never exceed a limit; real usage exceeds it only by what
 * in-flight requests use beyond their reservation (prompt estimate errors, or output without
 * {@code max_tokens} beyond the default). See docs/quotas.md.
 *
 * <p>The hot path allocates little: each scope's limits are compiled once per window into a
 * plan, and a reservation is the plans plus the estimate. Thread-safe. Time is passed in, so
 * tests move it.
 */
public final class QuotaEngine {

    /** Idle leases are worth giving back after this long. */
    public static final Duration DEFAULT_IDLE = Duration.ofSeconds(1);
    /** Leases with nothing in them and unused this long are forgotten, so memory follows active keys. */
    static final Duration FORGET_AFTER = Duration.ofMinutes(10);

    private static final Decision UNAVAILABLE = Decision.Denied.permanently(DenialReason.QUOTA_UNAVAILABLE,
            "Quotas cannot be checked right now; retry shortly");

    private final LeaseStore store;
    private final CalendarWindows windows;
    private final Executor background;
    private final RefillObserver observer;
    private final Map<LeaseKey, Lease> leases = new ConcurrentHashMap<>();
    private final Map<String, Plan> plans = new ConcurrentHashMap<>();

    /**
     * An engine whose top-ups run on the request thread that found a lease low, after it took its
     * share (for tests and benchmarks that want no other threads).
     */
    public QuotaEngine(LeaseStore store, CalendarWindows windows) {
        this(store, windows, Runnable::run, RefillObserver.NONE);
    }

    /**
     * @param background runs top-ups of low leases, off the request path; it does the store's I/O,
     *                   so it must not be an event loop. A refused task costs nothing but the top-up.
     * @param observer   hears of every store call for units, and whether a request waited for it
     */
    public QuotaEngine(LeaseStore store, CalendarWindows windows, Executor background, RefillObserver observer) {
        this.store = store;
        this.windows = windows;
        this.background = background;
        this.observer = observer;
    }

    /**
     * The outcome of {@link #admit}: a decision, and when allowed the reservation to settle.
     *
     * @param refusedBy when a limit that ran out refused the request, the counter that did (its
     *                  scope, metric and window), so that the first refusal of a window can be
     *                  reported; else null
     */
    public record Admission(Decision decision, Reservation reservation, LeaseKey refusedBy) {
        public Admission(Decision decision, Reservation reservation) {
            this(decision, reservation, null);
        }

        public boolean allowed() {
            return decision.isAllowed();
        }
    }

    /**
     * Reserves the request's estimate against every limit of its key and team, all or nothing.
     */
    public Admission admit(QuotaRequest request, Instant now) {
        Plan keyPlan = plan(request.keyScope(), request.keyLimits(), now);
        Plan teamPlan = request.teamScope() == null ? null : plan(request.teamScope(), request.teamLimits(), now);
        if (keyPlan.size() == 0 && (teamPlan == null || teamPlan.size() == 0)) {
            return new Admission(Decision.ALLOWED, Reservation.NOTHING);
        }
        long tokens = request.tokens();
        long cost = request.costMicros();
        Decision d = take(keyPlan, tokens, cost, now);
        String refusing = request.keyScope();
        if (d.isAllowed() && teamPlan != null) {
            d = take(teamPlan, tokens, cost, now);
            refusing = request.teamScope();
            if (!d.isAllowed()) {
                keyPlan.giveBack(keyPlan.size(), tokens, cost, now);
            }
        }
        if (d instanceof Decision.Denied denied) {
            return new Admission(d, Reservation.NOTHING, refusedBy(refusing, denied, now));
        }
        return new Admission(Decision.ALLOWED, new Reservation(keyPlan, teamPlan, tokens, cost));
    }

    /**
     * Corrects a reservation to what the request really used, and frees its concurrency slot.
     * Call exactly once per admitted request, including failed and cancelled ones.
     */
    public void settle(Reservation reservation, long actualTokens, long actualCostMicros, Instant now) {
        for (Plan plan : new Plan[] {reservation.keyPlan, reservation.teamPlan}) {
            if (plan != null) {
                plan.settle(reservation.tokens, reservation.costMicros, actualTokens, actualCostMicros, now);
            }
        }
    }

    /**
     * Gives back every lease unused for {@code idle}, and forgets leases of windows that are
     * over or long unused. Call periodically (the gateway does every few hundred milliseconds)
     * and at shutdown with {@link Duration#ZERO}.
     */
    public void returnIdleLeases(Duration idle, Instant now) {
        for (Map.Entry<LeaseKey, Lease> entry : leases.entrySet()) {
            LeaseKey key = entry.getKey();
            Lease lease = entry.getValue();
            if (key.windowStart() != 0 && key.windowStart() < windows.windowStart(key.metric(), now)) {
                lease.retire(); // what an ended window held no longer matters
            } else {
                lease.returnIfIdle(idle, now);
                lease.retireIfForgotten(FORGET_AFTER, now);
            }
            if (lease.retired()) {
                leases.remove(key, lease); // plans holding it notice and are compiled again
            }
        }
        plans.values().removeIf(Plan::stale);
    }

    /**
     * What is left of a per-minute limit as this replica sees it (the store's last answer plus
     * the local lease), for the {@code x-ratelimit-remaining-*} headers. Approximate by design.
     */
    public long remaining(String scope, Metric metric, long limit) {
        Lease lease = leases.get(new LeaseKey(scope, metric, 0));
        return lease == null ? limit : lease.remaining(limit);
    }

    /**
     * How much of a calendar-window limit ({@link Metric.Shape#WINDOW}) is used, as this replica
     * sees it, without asking the store: the shared total at the store's last answer (which counts
     * every replica's unspent lease as used) less what this replica's lease still holds. So it
     * runs ahead of the real figure by at most the other replicas' leases (a chunk, a few percent,
     * each) and lags their spending until this replica next goes to the store. Zero when this
     * replica has not taken from the counter in the current window. For alert thresholds.
     */
    public long used(String scope, Metric metric, long limit, Instant now) {
        if (metric.shape() != Metric.Shape.WINDOW) {
            throw new IllegalArgumentException(metric + " has no calendar window");
        }
        Lease lease = leases.get(new LeaseKey(scope, metric, windows.windowStart(metric, now)));
        return lease == null ? 0 : limit - lease.remaining(limit);
    }

    /** Number of leases this replica holds (for metrics). */
    public int leaseCount() {
        return leases.size();
    }

    private Plan plan(String scope, Limits limits, Instant now) {
        Plan plan = plans.get(scope);
        if (plan != null && plan.fits(limits, windows.windowStart(Metric.TOKENS_PER_DAY, now),
                windows.windowStart(Metric.TOKENS_PER_MONTH, now))) {
            return plan;
        }
        plan = Plan.compile(scope, limits, windows, now, key -> leases.computeIfAbsent(key, k -> new Lease(k, store, background, observer)));
        plans.put(scope, plan);
        return plan;
    }

    /** Takes from every lease of the plan in order; on a refusal gives back what it took. */
    private Decision take(Plan plan, long tokens, long cost, Instant now) {
        for (int i = 0; i < plan.size(); i++) {
            Decision d = take(plan.lease(i), plan.amount(i, tokens, cost), plan.limit(i), now);
            if (!d.isAllowed()) {
                plan.giveBack(i, tokens, cost, now);
                return d;
            }
        }
        return Decision.ALLOWED;
    }

    private Decision take(Lease lease, long amount, long limit, Instant now) {
        if (amount > limit) {
            return deny(lease.key, limit, Duration.ZERO, now, "this request alone (" + amount
                    + ") exceeds the limit of " + limit);
        }
        return switch (lease.take(amount, limit, now)) {
            case TakeOutcome.Taken _ -> Decision.ALLOWED;
            case TakeOutcome.Refused refused -> deny(lease.key, limit, refused.retryAfter(), now, null);
            case TakeOutcome.Unreachable _ -> UNAVAILABLE;
        };
    }

    /**
     * The counter behind a quota refusal. Null when no limit ran out: the store was unreachable, or
     * the request alone was larger than the limit (both denials say waiting will not help, which a
     * limit that ran out never says: it names when its window or bucket has room again).
     */
    private LeaseKey refusedBy(String scope, Decision.Denied denied, Instant now) {
        if (denied.retryAfter().isZero()) {
            return null;
        }
        for (Metric metric : Metric.values()) {
            if (metric.reason() == denied.reason()) {
                return new LeaseKey(scope, metric, windows.windowStart(metric, now));
            }
        }
        return null;
    }

    private Decision deny(LeaseKey key, long limit, Duration retryAfter, Instant now, String detail) {
        Metric metric = key.metric();
        String scope = key.scope().startsWith("team:") ? "team" : "key";
        Duration wait = switch (metric.shape()) {
            case WINDOW -> Duration.between(now, windows.windowEnd(metric, now));
            case SLOTS -> Duration.ofSeconds(1);
            case BUCKET -> retryAfter.isZero() ? Duration.ofSeconds(1) : retryAfter;
        };
        String message = switch (metric) {
            case REQUESTS_PER_MINUTE -> "Rate limit reached: " + limit + " requests per minute for this " + scope;
            case TOKENS_PER_MINUTE -> "Rate limit reached: " + limit + " tokens per minute for this " + scope;
            case CONCURRENT_REQUESTS -> "Too many concurrent requests: at most " + limit + " for this " + scope;
            case TOKENS_PER_DAY -> "Daily token budget of " + limit + " is used up for this " + scope;
            case TOKENS_PER_MONTH -> "Monthly token budget of " + limit + " is used up for this " + scope;
            case SPEND_PER_MONTH -> "Monthly spend budget is used up for this " + scope;
        };
        if (detail != null) {
            message = message + " (" + detail + ")";
            wait = Duration.ZERO;
        }
        return new Decision.Denied(metric.reason(), message, wait);
    }
}
