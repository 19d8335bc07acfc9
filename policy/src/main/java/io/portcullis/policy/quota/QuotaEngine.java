package io.portcullis.policy.quota;

import io.portcullis.policy.Decision;
import io.portcullis.policy.DenialReason;
import io.portcullis.policy.Limits;
import io.portcullis.policy.spi.LeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admits requests against rate limits, budgets and concurrency, exactly across replicas, with
 * no shared-store round trip on the usual path.
 *
 * <p>Each replica holds <em>leases</em>: slices of a shared budget taken from the
 * {@link LeaseStore} with an atomic conditional update that never lets the shared total pass
 * the limit. A request is admitted by taking its estimate from the local lease; the engine goes
 * to the store for a chunk (a fraction of the limit, shrinking as the budget runs out) when the
 * lease runs low, or dry. One caller per lease talks to the store, outside the lease's monitor,
 * so a slow store delays only the requests that truly need its answer. After the answer, {@link #settle} corrects to the real
 * usage: unused estimate goes back to the local lease, overuse is charged to the store. Leases
 * idle for a while are given back ({@link #returnIdleLeases}), so a quiet replica does not sit
 * on budget another needs.
 *
 * <p>The bound: admitted reservations never exceed a limit; real usage exceeds it only by what
 * in-flight requests use beyond their reservation (prompt estimate errors, or output without
 * {@code max_tokens} beyond the default). See docs/quotas.md.
 *
 * <p>The hot path allocates two small objects: each scope's limits are compiled once per
 * window into a {@link Plan} holding its leases, and a reservation is the plans plus the
 * estimate. Thread-safe. Time is passed in, so tests move it.
 */
public final class QuotaEngine {

    /** Idle leases are worth giving back after this long. */
    public static final Duration DEFAULT_IDLE = Duration.ofSeconds(1);
    /** Leases with nothing in them and unused this long are forgotten, so memory follows active keys. */
    static final Duration FORGET_AFTER = Duration.ofMinutes(10);
    /** How long a lease waits before another top-up once one found the store unreachable. */
    static final Duration TOP_UP_BACKOFF = Duration.ofSeconds(1);

    /** Metrics in the order they are reserved: cheapest to refuse first. */
    private static final Metric[] ORDER = {Metric.CONCURRENT_REQUESTS, Metric.REQUESTS_PER_MINUTE,
            Metric.TOKENS_PER_MINUTE, Metric.TOKENS_PER_DAY, Metric.TOKENS_PER_MONTH, Metric.SPEND_PER_MONTH};

    private final LeaseStore store;
    private final CalendarWindows windows;
    private final Map<LeaseKey, Lease> leases = new ConcurrentHashMap<>();
    private final Map<String, Plan> plans = new ConcurrentHashMap<>();

    public QuotaEngine(LeaseStore store, CalendarWindows windows) {
        this.store = store;
        this.windows = windows;
    }

    /** The outcome of {@link #admit}: a decision, and when allowed the reservation to settle. */
    public record Admission(Decision decision, Reservation reservation) {
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
        Decision d = keyPlan.take(this, tokens, cost, now);
        if (d.isAllowed() && teamPlan != null) {
            d = teamPlan.take(this, tokens, cost, now);
            if (!d.isAllowed()) {
                keyPlan.giveBack(keyPlan.size(), tokens, cost);
            }
        }
        if (!d.isAllowed()) {
            return new Admission(d, Reservation.NOTHING);
        }
        return new Admission(Decision.ALLOWED, new Reservation(keyPlan, teamPlan, tokens, cost));
    }

    /**
     * Corrects a reservation to what the request really used, and frees its concurrency slot.
     * Call exactly once per admitted request, including failed and cancelled ones.
     */
    public void settle(Reservation reservation, long actualTokens, long actualCostMicros, Instant now) {
        for (Plan plan : new Plan[] {reservation.keyPlan, reservation.teamPlan}) {
            if (plan == null) {
                continue;
            }
            for (int i = 0; i < plan.size(); i++) {
                Lease lease = plan.leases[i];
                switch (lease.key.metric()) {
                    case REQUESTS_PER_MINUTE -> {
                        // the request happened: nothing to give back
                    }
                    case CONCURRENT_REQUESTS -> giveBack(lease, 1, now);
                    case SPEND_PER_MONTH -> correct(lease, reservation.costMicros, actualCostMicros, now);
                    default -> correct(lease, reservation.tokens, actualTokens, now);
                }
            }
        }
    }

    /**
     * Gives back every lease unused for {@code idle}, and forgets leases of windows that are
     * over or long unused. Call periodically (the gateway does every few hundred milliseconds)
     * and at shutdown with {@link Duration#ZERO}.
     */
    public void returnIdleLeases(Duration idle, Instant now) {
        long nowMillis = now.toEpochMilli();
        for (Map.Entry<LeaseKey, Lease> entry : leases.entrySet()) {
            LeaseKey key = entry.getKey();
            Lease lease = entry.getValue();
            boolean windowOver = key.windowStart() != 0 && key.windowStart() < windows.windowStart(key.metric(), now);
            long unused = nowMillis - lease.lastUsedMillis;
            if (windowOver) {
                retire(key, lease); // what an ended window held no longer matters
                continue;
            }
            if (lease.available() <= 0 && unused >= FORGET_AFTER.toMillis() && lease.refill == null) {
                retire(key, lease);
                // a request admitted long ago (a stream) may settle into it just now: pass that on
                release(lease, lease.takeAll(), now);
                continue;
            }
            if (lease.available() > 0 && unused >= idle.toMillis()) {
                release(lease, lease.takeAll(), now);
            }
        }
        plans.values().removeIf(Plan::stale);
    }

    /** Forgets a lease; plans holding it notice {@code retired} and rebuild. */
    private void retire(LeaseKey key, Lease lease) {
        lease.retired = true;
        leases.remove(key, lease);
    }

    /**
     * What is left of a per-minute limit as this replica sees it (the store's last answer plus
     * the local lease), for the {@code x-ratelimit-remaining-*} headers. Approximate by design.
     */
    public long remaining(String scope, Metric metric, long limit) {
        Lease lease = leases.get(new LeaseKey(scope, metric, 0));
        if (lease == null) {
            return limit;
        }
        return Math.max(0, Math.min(limit, lease.storeRemaining + lease.available()));
    }

    /** Number of leases this replica holds (for metrics). */
    public int leaseCount() {
        return leases.size();
    }

    private Plan plan(String scope, Limits limits, Instant now) {
        long day = windows.windowStart(Metric.TOKENS_PER_DAY, now);
        long month = windows.windowStart(Metric.TOKENS_PER_MONTH, now);
        Plan plan = plans.get(scope);
        if (plan != null && plan.fits(limits, day, month)) {
            return plan;
        }
        int n = 0;
        Lease[] built = new Lease[ORDER.length];
        long[] limitValues = new long[ORDER.length];
        for (Metric metric : ORDER) {
            Long limit = limitOf(limits, metric);
            if (limit == null) {
                continue;
            }
            LeaseKey key = new LeaseKey(scope, metric, windows.windowStart(metric, now));
            built[n] = leases.computeIfAbsent(key, Lease::new);
            limitValues[n] = limit;
            n++;
        }
        plan = new Plan(limits, day, month, java.util.Arrays.copyOf(built, n), java.util.Arrays.copyOf(limitValues, n));
        plans.put(scope, plan);
        return plan;
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

    static long amountOf(Metric metric, long tokens, long costMicros) {
        return switch (metric) {
            case REQUESTS_PER_MINUTE, CONCURRENT_REQUESTS -> 1;
            case SPEND_PER_MONTH -> costMicros;
            default -> tokens;
        };
    }

    /**
     * Takes {@code amount} from the local lease. The store is asked outside the lease's monitor,
     * by one caller at a time: when the lease runs dry, the first caller refills it and the others
     * wait for that refill instead of queueing on the monitor behind a database round trip; when
     * it runs low (under a quarter of a chunk) while the shared budget still has a chunk to
     * spare, the caller that noticed tops it up after taking its own share, and the others go on
     * spending what is left.
     */
    private Decision take(Lease lease, long amount, long limit, Instant now) {
        if (amount > limit) {
            return deny(lease.key, limit, Duration.ZERO, now, "this request alone (" + amount
                    + ") exceeds the limit of " + limit);
        }
        long chunk = chunk(lease.key.metric(), limit);
        long nowMillis = now.toEpochMilli();
        lease.touch(limit, nowMillis);
        while (true) {
            long left = lease.tryTake(amount);
            if (left >= 0) {
                if (left < chunk / 4 && lease.storeRemaining >= chunk && lease.refill == null
                        && nowMillis >= lease.noTopUpBeforeMillis) {
                    topUp(lease, chunk, limit, now);
                }
                return Decision.ALLOWED;
            }
            Refill refill;
            long need;
            synchronized (lease) {
                if (lease.available() >= amount) {
                    continue; // refilled meanwhile
                }
                refill = lease.refill;
                need = refill != null ? -1 : amount - lease.available();
                if (refill == null) {
                    refill = lease.refill = new Refill();
                }
            }
            if (need < 0) {
                // someone else is refilling: wait for its answer rather than ask the same question
                Decision denial = refill.await();
                if (denial != null && !fitsWhatTheStoreHasLeft(lease, amount, denial)) {
                    return denial;
                }
                continue;
            }
            Decision denial = refill(lease, refill, need, chunk, limit, now);
            if (denial != null) {
                return denial;
            }
            // refilled, but callers with smaller amounts may have spent it meanwhile: look again
        }
    }

    /**
     * Tops a low lease up for the requests to come; this caller is already served. When the store
     * cannot be reached, the next try waits {@link #TOP_UP_BACKOFF}: while the database is away,
     * requests are served from what the lease holds without each waiting for a failing connection.
     */
    private void topUp(Lease lease, long chunk, long limit, Instant now) {
        Refill refill = lease.claimRefill();
        if (refill == null) {
            return;
        }
        Decision denial = refill(lease, refill, 1, chunk, limit, now);
        if (denial != null && ((Decision.Denied) denial).reason() == DenialReason.QUOTA_UNAVAILABLE) {
            lease.noTopUpBeforeMillis = now.plus(TOP_UP_BACKOFF).toEpochMilli();
        }
    }

    /**
     * Asks the store for at least {@code need} and up to a chunk, outside the lease's monitor, and
     * tells whoever waits on {@code refill}. Returns the denial when the store refused or failed,
     * {@code null} when it granted {@code need}.
     */
    private Decision refill(Lease lease, Refill refill, long need, long chunk, long limit, Instant now) {
        Decision outcome = null;
        try {
            LeaseStore.Grant grant = store.acquire(lease.key, need, Math.max(need, chunk), limit, now);
            lease.storeRemaining = grant.remaining();
            lease.giveBack(grant.granted());
            if (grant.granted() < need) {
                outcome = deny(lease.key, limit, grant.retryAfter(), now, null);
            }
        } catch (RuntimeException e) {
            outcome = Decision.Denied.permanently(DenialReason.QUOTA_UNAVAILABLE,
                    "Quotas cannot be checked right now; retry shortly");
        } finally {
            synchronized (lease) {
                lease.refill = null;
            }
            refill.finish(outcome);
        }
        return outcome;
    }

    /** After a refused refill, whether this smaller request might still fit what the store said it has left. */
    private static boolean fitsWhatTheStoreHasLeft(Lease lease, long amount, Decision denial) {
        if (((Decision.Denied) denial).reason() == DenialReason.QUOTA_UNAVAILABLE) {
            return false;
        }
        return amount - lease.available() <= lease.storeRemaining;
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

    private void correct(Lease lease, long reserved, long actual, Instant now) {
        long delta = reserved - actual;
        if (delta > 0) {
            giveBack(lease, delta, now);
            return;
        }
        if (delta == 0) {
            return;
        }
        long extra = -delta - lease.takeUpTo(-delta);
        if (extra > 0) {
            try {
                store.charge(lease.key, extra, now);
            } catch (RuntimeException e) {
                // The usage is in the ledger either way; the shared counter under-counts by
                // 'extra' until the window ends. Documented in docs/quotas.md.
            }
        }
    }

    /** Returns units to a lease; to the store when the lease was retired meanwhile (it is read no more). */
    private void giveBack(Lease lease, long amount, Instant now) {
        lease.giveBack(amount);
        if (lease.retired) {
            release(lease, lease.takeAll(), now);
        }
    }

    /** Gives {@code amount} back to the store; kept in the lease if the store cannot be reached. */
    private void release(Lease lease, long amount, Instant now) {
        if (amount <= 0) {
            return;
        }
        try {
            store.release(lease.key, amount, lease.limit, now);
        } catch (RuntimeException e) {
            lease.giveBack(amount); // keep it; returnIdleLeases tries again
        }
    }

    /** How much to lease at once: enough to serve many requests locally, small beside the limit. */
    static long chunk(Metric metric, long limit) {
        return switch (metric.shape()) {
            case BUCKET -> Math.max(1, limit / 16);
            case WINDOW -> Math.max(1, limit / 32);
            case SLOTS -> Math.max(1, limit / 8);
        };
    }

    /** One scope's limits for the current day and month, with the leases they draw on. */
    static final class Plan {
        private final Limits limits;
        private final long dayStart;
        private final long monthStart;
        private final Lease[] leases;
        private final long[] limitValues;

        Plan(Limits limits, long dayStart, long monthStart, Lease[] leases, long[] limitValues) {
            this.limits = limits;
            this.dayStart = dayStart;
            this.monthStart = monthStart;
            this.leases = leases;
            this.limitValues = limitValues;
        }

        int size() {
            return leases.length;
        }

        boolean fits(Limits current, long day, long month) {
            return dayStart == day && monthStart == month && limits.equals(current) && !stale();
        }

        boolean stale() {
            for (Lease lease : leases) {
                if (lease.retired) {
                    return true;
                }
            }
            return false;
        }

        /** Takes from every lease in order; on a refusal gives back what it took. */
        Decision take(QuotaEngine engine, long tokens, long cost, Instant now) {
            for (int i = 0; i < leases.length; i++) {
                Decision d = engine.take(leases[i], amountOf(leases[i].key.metric(), tokens, cost), limitValues[i], now);
                if (!d.isAllowed()) {
                    giveBack(i, tokens, cost);
                    return d;
                }
            }
            return Decision.ALLOWED;
        }

        void giveBack(int count, long tokens, long cost) {
            for (int j = 0; j < count; j++) {
                leases[j].giveBack(amountOf(leases[j].key.metric(), tokens, cost));
            }
        }
    }

    /**
     * This replica's slice of one shared budget. Units are taken and given back with atomic
     * updates, so the request path holds no lock; the monitor only decides who refills.
     */
    static final class Lease {
        final LeaseKey key;
        private final AtomicLong available = new AtomicLong();
        volatile long limit;
        /** What the store last said is left of the shared budget. */
        volatile long storeRemaining = Long.MAX_VALUE / 4;
        volatile long lastUsedMillis;
        /** After a top-up failed for want of the store, none is tried again before this. */
        volatile long noTopUpBeforeMillis;
        /** The store call in flight for this lease, if any; set and cleared under the monitor. */
        volatile Refill refill;
        volatile boolean retired;

        Lease(LeaseKey key) {
            this.key = key;
        }

        /** Records a use, writing the shared fields only when they change. */
        void touch(long limit, long nowMillis) {
            if (this.limit != limit) {
                this.limit = limit;
            }
            if (lastUsedMillis != nowMillis) {
                lastUsedMillis = nowMillis;
            }
        }

        /** Takes {@code amount} if the lease holds it: what is left, or -1 when it does not. */
        long tryTake(long amount) {
            while (true) {
                long now = available.get();
                if (now < amount) {
                    return -1;
                }
                if (available.compareAndSet(now, now - amount)) {
                    return now - amount;
                }
            }
        }

        /** Takes as much of {@code amount} as the lease holds; how much that was. */
        long takeUpTo(long amount) {
            while (true) {
                long now = available.get();
                long taken = Math.min(amount, Math.max(0, now));
                if (taken == 0 || available.compareAndSet(now, now - taken)) {
                    return taken;
                }
            }
        }

        long takeAll() {
            return available.getAndSet(0);
        }

        long available() {
            return available.get();
        }

        void giveBack(long amount) {
            available.addAndGet(amount);
        }

        /** Becomes the refiller when nobody is: the new refill, or {@code null}. */
        synchronized Refill claimRefill() {
            if (refill != null) {
                return null;
            }
            refill = new Refill();
            return refill;
        }
    }

    /** One store call for one lease, and what came of it. */
    static final class Refill {
        private final CountDownLatch done = new CountDownLatch(1);
        private Decision denial; // written before done counts down, read after

        void finish(Decision denial) {
            this.denial = denial;
            done.countDown();
        }

        /** Waits for the refill; its denial, or {@code null} when it granted what it asked for. */
        Decision await() {
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Decision.Denied.permanently(DenialReason.QUOTA_UNAVAILABLE,
                        "Quotas cannot be checked right now; retry shortly");
            }
            return denial;
        }
    }
}
