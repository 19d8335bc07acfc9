package io.portcullis.policy.quota;

import io.portcullis.policy.Decision;
import io.portcullis.policy.DenialReason;
import io.portcullis.policy.Limits;
import io.portcullis.policy.spi.LeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Admits requests against rate limits, budgets and concurrency, exactly across replicas, with
 * no shared-store round trip on the usual path.
 *
 * <p>Each replica holds <em>leases</em>: slices of a shared budget taken from the
 * {@link LeaseStore} with an atomic conditional update that never lets the shared total pass
 * the limit. A request is admitted by taking its estimate from the local lease; only when the
 * lease runs dry does the engine go to the store, asking for a chunk (a fraction of the limit,
 * shrinking as the budget runs out). After the answer, {@link #settle} corrects to the real
 * usage: unused estimate goes back to the local lease, overuse is charged to the store. Leases
 * idle for a while are given back ({@link #returnIdleLeases}), so a quiet replica does not sit
 * on budget another needs.
 *
 * <p>The bound: admitted reservations never exceed a limit; real usage exceeds it only by what
 * in-flight requests use beyond their reservation (prompt estimate errors, or output without
 * {@code max_tokens} beyond the default). See docs/quotas.md.
 *
 * <p>Thread-safe. Time is passed in, so tests move it.
 */
public final class QuotaEngine {

    /** Idle leases are worth giving back after this long. */
    public static final Duration DEFAULT_IDLE = Duration.ofSeconds(1);

    private final LeaseStore store;
    private final CalendarWindows windows;
    private final Map<LeaseKey, Lease> leases = new ConcurrentHashMap<>();

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
        List<Reservation.Item> wanted = new ArrayList<>(12);
        addItems(wanted, request.keyScope(), request.keyLimits(), request, now);
        if (request.teamScope() != null) {
            addItems(wanted, request.teamScope(), request.teamLimits(), request, now);
        }
        if (wanted.isEmpty()) {
            return new Admission(Decision.ALLOWED, Reservation.NOTHING);
        }
        for (int i = 0; i < wanted.size(); i++) {
            Reservation.Item item = wanted.get(i);
            Decision d = take(item, now);
            if (!d.isAllowed()) {
                for (int j = 0; j < i; j++) {
                    giveBackLocally(wanted.get(j), wanted.get(j).amount());
                }
                return new Admission(d, Reservation.NOTHING);
            }
        }
        return new Admission(Decision.ALLOWED, new Reservation(wanted, request.tokens(), request.costMicros()));
    }

    /**
     * Corrects a reservation to what the request really used, and frees its concurrency slot.
     * Call exactly once per admitted request, including failed and cancelled ones.
     */
    public void settle(Reservation reservation, long actualTokens, long actualCostMicros, Instant now) {
        for (Reservation.Item item : reservation.items) {
            Metric metric = item.key().metric();
            switch (metric) {
                case REQUESTS_PER_MINUTE -> {
                    // the request happened: nothing to give back
                }
                case CONCURRENT_REQUESTS -> giveBackLocally(item, item.amount());
                case SPEND_PER_MONTH -> correct(item, actualCostMicros, now);
                default -> correct(item, actualTokens, now);
            }
        }
    }

    /**
     * Gives back every lease unused for {@code idle}, and forgets leases of windows that are
     * over. Call periodically (the gateway does every few hundred milliseconds) and at shutdown
     * with {@link Duration#ZERO}.
     */
    public void returnIdleLeases(Duration idle, Instant now) {
        for (Map.Entry<LeaseKey, Lease> entry : leases.entrySet()) {
            LeaseKey key = entry.getKey();
            Lease lease = entry.getValue();
            if (key.windowStart() != 0 && key.windowStart() < windows.windowStart(key.metric(), now)) {
                leases.remove(key, lease); // the window is over; what it held no longer matters
                continue;
            }
            long amount;
            long limit;
            synchronized (lease) {
                if (lease.available <= 0 || now.toEpochMilli() - lease.lastUsedMillis < idle.toMillis()) {
                    continue;
                }
                amount = lease.available;
                limit = lease.limit;
                lease.available = 0;
            }
            try {
                store.release(key, amount, limit, now);
            } catch (RuntimeException e) {
                synchronized (lease) {
                    lease.available += amount; // keep it; try again next round
                }
            }
        }
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
        synchronized (lease) {
            return Math.max(0, Math.min(limit, lease.storeRemaining + lease.available));
        }
    }

    /** Number of leases this replica holds (for metrics). */
    public int leaseCount() {
        return leases.size();
    }

    private void addItems(List<Reservation.Item> items, String scope, Limits limits, QuotaRequest request,
                          Instant now) {
        add(items, scope, Metric.CONCURRENT_REQUESTS, limits.maxConcurrentRequests(), 1, now);
        add(items, scope, Metric.REQUESTS_PER_MINUTE, limits.requestsPerMinute(), 1, now);
        add(items, scope, Metric.TOKENS_PER_MINUTE, limits.tokensPerMinute(), request.tokens(), now);
        add(items, scope, Metric.TOKENS_PER_DAY, limits.tokensPerDay(), request.tokens(), now);
        add(items, scope, Metric.TOKENS_PER_MONTH, limits.tokensPerMonth(), request.tokens(), now);
        add(items, scope, Metric.SPEND_PER_MONTH, limits.spendPerMonthMicros(), request.costMicros(), now);
    }

    private void add(List<Reservation.Item> items, String scope, Metric metric, Long limit, long amount, Instant now) {
        if (limit == null) {
            return;
        }
        items.add(new Reservation.Item(new LeaseKey(scope, metric, windows.windowStart(metric, now)), amount, limit));
    }

    private Decision take(Reservation.Item item, Instant now) {
        LeaseKey key = item.key();
        long amount = item.amount();
        if (amount > item.limit()) {
            return deny(item, Duration.ZERO, now, "this request alone (" + amount + ") exceeds the limit of "
                    + item.limit());
        }
        Lease lease = leases.computeIfAbsent(key, k -> new Lease());
        synchronized (lease) {
            lease.limit = item.limit();
            lease.lastUsedMillis = now.toEpochMilli();
            if (lease.available >= amount) {
                lease.available -= amount;
                return Decision.ALLOWED;
            }
            long need = amount - lease.available;
            LeaseStore.Grant grant;
            try {
                grant = store.acquire(key, need, Math.max(need, chunk(key.metric(), item.limit())), item.limit(), now);
            } catch (RuntimeException e) {
                return Decision.Denied.permanently(DenialReason.QUOTA_UNAVAILABLE,
                        "Quotas cannot be checked right now; retry shortly");
            }
            lease.storeRemaining = grant.remaining();
            if (grant.granted() < need) {
                if (grant.granted() > 0) {
                    lease.available += grant.granted();
                }
                return deny(item, grant.retryAfter(), now, null);
            }
            lease.available += grant.granted() - amount;
            return Decision.ALLOWED;
        }
    }

    private Decision deny(Reservation.Item item, Duration retryAfter, Instant now, String detail) {
        Metric metric = item.key().metric();
        String scope = item.key().scope().startsWith("team:") ? "team" : "key";
        Duration wait = switch (metric.shape()) {
            case WINDOW -> Duration.between(now, windows.windowEnd(metric, now));
            case SLOTS -> Duration.ofSeconds(1);
            case BUCKET -> retryAfter.isZero() ? Duration.ofSeconds(1) : retryAfter;
        };
        String message = switch (metric) {
            case REQUESTS_PER_MINUTE -> "Rate limit reached: " + item.limit() + " requests per minute for this " + scope;
            case TOKENS_PER_MINUTE -> "Rate limit reached: " + item.limit() + " tokens per minute for this " + scope;
            case CONCURRENT_REQUESTS -> "Too many concurrent requests: at most " + item.limit() + " for this " + scope;
            case TOKENS_PER_DAY -> "Daily token budget of " + item.limit() + " is used up for this " + scope;
            case TOKENS_PER_MONTH -> "Monthly token budget of " + item.limit() + " is used up for this " + scope;
            case SPEND_PER_MONTH -> "Monthly spend budget is used up for this " + scope;
        };
        if (detail != null) {
            message = message + " (" + detail + ")";
            wait = Duration.ZERO;
        }
        return new Decision.Denied(metric.reason(), message, wait);
    }

    private void correct(Reservation.Item item, long actual, Instant now) {
        long delta = item.amount() - actual;
        if (delta > 0) {
            giveBackLocally(item, delta);
            return;
        }
        if (delta == 0) {
            return;
        }
        long extra = -delta;
        Lease lease = leases.get(item.key());
        if (lease != null) {
            synchronized (lease) {
                long fromLease = Math.min(extra, Math.max(0, lease.available));
                lease.available -= fromLease;
                extra -= fromLease;
            }
        }
        if (extra > 0) {
            try {
                store.charge(item.key(), extra, now);
            } catch (RuntimeException e) {
                // The usage is in the ledger either way; the shared counter under-counts by
                // 'extra' until the window ends. Documented in docs/quotas.md.
            }
        }
    }

    private void giveBackLocally(Reservation.Item item, long amount) {
        Lease lease = leases.get(item.key());
        if (lease == null) {
            return; // the window ended and was forgotten
        }
        synchronized (lease) {
            lease.available += amount;
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

    /** This replica's slice of one shared budget. Guarded by its own monitor. */
    private static final class Lease {
        long available;
        long limit;
        long storeRemaining = Long.MAX_VALUE / 4;
        long lastUsedMillis;
    }
}
