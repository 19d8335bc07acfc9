package io.portcullis.policy.quota;

import io.portcullis.policy.spi.LeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * This replica's slice of one shared budget, and the whole protocol around it: take units, give
 * them back, refill from the {@link LeaseStore}, retire. Nothing outside this class reads or
 * locks its parts. Every compare-and-set stays in this one class, as its correctness is argued over
 * all of its methods together; the values it passes around and swaps are their own types
 * ({@link LeaseProtocol}, with the bookkeeping of a store call; {@link LeaseRefill};
 * {@link TakeOutcome}).
 *
 * <p>Its state is two values, each swapped by compare-and-set as in resilience4j's
 * {@code AtomicRateLimiter}: {@code units}, one word holding what the lease holds or
 * {@link #RETIRED}; and {@code protocol}, one immutable {@link LeaseProtocol} naming the refill in
 * flight and the store's last answer. Why not one monitor: the request path must not queue on a
 * lock (lease monitors were where hundreds of virtual threads waited under load,
 * docs/performance.md finding 14). Why not one immutable value for everything: every unit moved
 * would allocate one and store it into a long-lived object, and {@code DecisionBenchmark} measured
 * that at 1,472 B and over twice the time per decision (88 B before). Units move on every request;
 * the protocol changes only when a lease goes to the store.
 *
 * <p>Why it is correct:
 * <ul>
 *   <li>Every unit movement (take, give back, land a grant, retire) is one compare-and-set on
 *       {@code units}, so they are totally ordered, and once it reads {@code RETIRED} nothing adds
 *       to it: a caller with units for a retired lease sends them to the store. So a retired lease
 *       holds nothing, and retiring is safe at any moment, even while a refill is at the store:
 *       that refill's caller keeps its share and sends the rest back.</li>
 *   <li>Only the caller whose compare-and-set put its {@link LeaseRefill} into {@code protocol} talks to
 *       the store for the lease, outside any lock; while it is there nobody else changes
 *       {@code protocol} (claiming needs no refill in flight), and it always clears it (also on an
 *       Error), after landing the units and before waking the callers that wait for its answer.</li>
 *   <li>Every unit leased from the store is in the lease, with a request that took it, or on its
 *       way back to the store; two are dropped instead, counted as used until their window ends,
 *       never overspent: what an ended window's lease held, and what a retired lease could not
 *       give back because the store was unreachable.</li>
 * </ul>
 * {@code lastUsed} and {@code limit} are hints written by takers: when a lease is idle, and the
 * limit a release passes to the store. No unit depends on them being current.
 */
final class Lease {

    /** What {@code units} reads once the lease is retired: it holds nothing from then on. */
    private static final long RETIRED = Long.MIN_VALUE;

    final LeaseKey key;
    private final LeaseStore store;
    private final Executor background;
    private final RefillObserver observer;
    private final AtomicLong units = new AtomicLong();
    private final AtomicReference<LeaseProtocol> protocol = new AtomicReference<>(LeaseProtocol.NEW);
    private volatile long limit;
    private volatile long lastUsed;

    /** {@code background} runs top-ups ahead of need; {@code observer} hears of every store call for units. */
    Lease(LeaseKey key, LeaseStore store, Executor background, RefillObserver observer) {
        this.key = key;
        this.store = store;
        this.background = background;
        this.observer = observer;
    }

    /** How much to lease at once: enough to serve many requests locally, small beside the limit. */
    static long chunk(Metric metric, long limit) {
        return switch (metric.shape()) {
            case BUCKET -> Math.max(1, limit / 16);
            case WINDOW -> Math.max(1, limit / 32);
            case SLOTS -> Math.max(1, limit / 8);
        };
    }

    /**
     * Takes {@code amount} (at most {@code limit}). From what the lease holds when it can; when it
     * holds too little, one caller asks the store and the others wait for its answer. A caller
     * that leaves the lease low (under its {@link LowWater} mark, while the shared budget still has
     * a chunk to spare) starts a top-up on the background executor after taking its own share, and
     * everybody goes on spending what the lease holds meanwhile.
     */
    TakeOutcome take(long amount, long limit, Instant now) {
        touch(limit, now.toEpochMilli());
        long chunk = chunk(key.metric(), limit);
        while (true) {
            long held = units.get();
            if (held != RETIRED && held >= amount) {
                if (!units.compareAndSet(held, held - amount)) {
                    continue;
                }
                if (held - amount < protocol.get().lowWater(chunk)) {
                    topUpIfDue(chunk, limit, now);
                }
                return TakeOutcome.TAKEN;
            }
            if (amount == 0) {
                return TakeOutcome.TAKEN; // nothing to take, even from a retired lease
            }
            LeaseProtocol p = protocol.get();
            if (p.refill() != null) {
                // someone else is at the store for this lease: wait for its answer rather than ask the same question
                TakeOutcome refusal = p.refill().await();
                if (refusal == null || refusal instanceof TakeOutcome.Refused && mightFit(amount)) {
                    continue;
                }
                return refusal;
            }
            LeaseRefill mine = new LeaseRefill();
            if (!protocol.compareAndSet(p, p.claimedBy(mine))) {
                continue;
            }
            held = units.get();
            if (held != RETIRED && held >= amount) {
                land(mine, null, 0, 0, false, now, false); // given back or landed meanwhile: no need to ask
                continue;
            }
            long need = amount - Math.max(0, held);
            // a retired lease keeps nothing, so it asks only for what this caller needs
            long want = held == RETIRED ? need : Math.max(need, chunk);
            if (refill(mine, amount, need, want, limit, false, now)) {
                return TakeOutcome.TAKEN;
            }
            if (mine.refusal() != null) {
                return mine.refusal();
            }
            // granted, but smaller callers spent what the lease held meanwhile: look again
        }
    }

    /**
     * Starts a top-up of a low lease for the requests to come; this caller is already served. The
     * claim is taken here, so at most one refill per lease is in flight, foreground or not; it asks
     * the store exactly as a foreground refill does (the same conditional update), only for nobody's
     * share. An executor that refuses the task gives the claim up: the lease then drains to a
     * foreground refill, as it did before top-ups.
     */
    private void topUpIfDue(long chunk, long limit, Instant now) {
        LeaseProtocol p = protocol.get();
        if (!p.topUpDue(chunk, now.toEpochMilli()) || units.get() == RETIRED) {
            return;
        }
        LeaseRefill mine = new LeaseRefill();
        if (protocol.compareAndSet(p, p.claimedBy(mine))) {
            try {
                background.execute(() -> refill(mine, 0, 1, chunk, limit, true, now));
            } catch (RuntimeException e) {
                land(mine, null, 0, 1, true, now, false); // not started (shutting down): nobody may wait for it
            }
        }
    }

    /** After a refused refill, whether {@code amount} might still fit what the store said it has left. */
    private boolean mightFit(long amount) {
        return amount - Math.max(0, units.get()) <= protocol.get().storeRemaining();
    }

    /**
     * Asks the store for {@code need} to {@code want} units as the caller holding {@code mine},
     * then lands the answer. Whether this caller's {@code share} was taken.
     */
    private boolean refill(LeaseRefill mine, long share, long need, long want, long limit, boolean topUp, Instant now) {
        LeaseStore.Grant grant;
        try {
            observer.refilled(topUp ? RefillPath.BACKGROUND : RefillPath.FOREGROUND);
            grant = store.acquire(key, need, want, limit, now);
        } catch (RuntimeException e) {
            grant = null; // unreachable
        } catch (Error e) {
            land(mine, null, share, need, topUp, now, true); // so that no waiter waits for good
            throw e;
        }
        return land(mine, grant, share, need, topUp, now, true);
    }

    /**
     * Lands a store call: the grant joins the lease and this caller takes its {@code share} in the
     * same step (so smaller callers cannot spend it first), or goes back to the store if the lease
     * retired meanwhile; then the refill is cleared with the store's answer and its waiters are
     * woken. {@code asked} false: the caller gave up its claim without asking.
     */
    private boolean land(LeaseRefill mine, LeaseStore.Grant grant, long share, long need, boolean topUp, Instant now,
                         boolean asked) {
        long got = grant == null ? 0 : grant.granted();
        boolean granted = grant != null && got >= need;
        boolean served;
        long surplus = 0;
        while (true) {
            long held = units.get();
            if (held == RETIRED) {
                served = granted && got >= share;
                surplus = served ? got - share : got;
                break;
            }
            served = granted && held + got >= share;
            if (units.compareAndSet(held, held + got - (served ? share : 0))) {
                break;
            }
        }
        // only the refill's holder writes while it is set, so a plain write is the compare-and-set
        protocol.set(protocol.get().landed(grant, asked, topUp, now.toEpochMilli()));
        mine.finish(!asked || granted ? null : grant == null ? TakeOutcome.UNREACHABLE : new TakeOutcome.Refused(grant.retryAfter()));
        release(surplus, now);
        return served;
    }

    /** Gives units back: to the lease, or to the store once the lease is retired (it is read no more). */
    void giveBack(long amount, Instant now) {
        if (amount <= 0) {
            return;
        }
        while (true) {
            long held = units.get();
            if (held == RETIRED) {
                release(amount, now);
                return;
            }
            if (units.compareAndSet(held, held + amount)) {
                return;
            }
        }
    }

    /**
     * Corrects a reservation of {@code reserved} to what was really used: the unused part is given
     * back; an overrun is taken from the lease, and what it does not hold is charged to the store.
     */
    void correct(long reserved, long actual, Instant now) {
        if (actual <= reserved) {
            giveBack(reserved - actual, now);
            return;
        }
        long extra = actual - reserved - takeUpTo(actual - reserved);
        if (extra > 0) {
            try {
                store.charge(key, extra, now);
                seen(-extra);
            } catch (RuntimeException e) {
                // The usage is in the ledger either way; the shared counter under-counts by
                // 'extra' until the window ends. Documented in docs/quotas.md.
            }
        }
    }

    private long takeUpTo(long amount) {
        while (true) {
            long held = units.get();
            long taken = held == RETIRED ? 0 : Math.min(amount, held);
            if (taken == 0 || units.compareAndSet(held, held - taken)) {
                return taken;
            }
        }
    }

    /** Gives everything back to the store when the lease has been unused for {@code idle}. */
    void returnIfIdle(Duration idle, Instant now) {
        while (true) {
            long held = units.get();
            if (held <= 0 || now.toEpochMilli() - lastUsed < idle.toMillis()) {
                return; // empty, retired or in use
            }
            if (units.compareAndSet(held, 0)) {
                release(held, now);
                return;
            }
        }
    }

    /**
     * Retires the lease when it holds nothing, no refill is at the store and it has been unused for
     * {@code forgetAfter}, so that memory follows active keys: whether it is retired. (Were a
     * refill to start just before, it would still strand nothing; this only spares busy leases.)
     */
    boolean retireIfForgotten(Duration forgetAfter, Instant now) {
        if (protocol.get().refill() != null || now.toEpochMilli() - lastUsed < forgetAfter.toMillis()) {
            return retired();
        }
        return units.compareAndSet(0, RETIRED) || retired();
    }

    /**
     * Retires the lease whatever it holds, for a window that is over: what it held is dropped, as
     * the ended window's count no longer matters (and a store call per lease at midnight would).
     */
    void retire() {
        units.set(RETIRED);
    }

    boolean retired() {
        return units.get() == RETIRED;
    }

    /** What is left of the shared budget as this replica sees it: the store's last answer plus what the lease holds. */
    long remaining(long limit) {
        return Math.max(0, Math.min(limit, protocol.get().storeRemaining() + Math.max(0, units.get())));
    }

    /** Records a use, writing the hints only when they change. */
    private void touch(long limit, long nowMillis) {
        if (this.limit != limit) {
            this.limit = limit;
        }
        if (lastUsed != nowMillis) {
            lastUsed = nowMillis;
        }
    }

    /** Gives {@code amount} back to the store; kept in the lease (retried when idle) if the store cannot be reached. */
    private void release(long amount, Instant now) {
        if (amount <= 0) {
            return;
        }
        try {
            store.release(key, amount, limit, now);
            seen(amount);
        } catch (RuntimeException e) {
            keep(amount);
        }
    }

    /** Moves the store's last answer by what was given back or charged ({@link LeaseProtocol#seen}). */
    private void seen(long delta) {
        LeaseProtocol p;
        LeaseProtocol next;
        do {
            p = protocol.get();
            next = p.seen(delta);
        } while (next != p && !protocol.compareAndSet(p, next));
    }

    /** Keeps units the store would not take back; a retired lease cannot (nobody reads it), so they are dropped. */
    private void keep(long amount) {
        while (true) {
            long held = units.get();
            if (held == RETIRED || units.compareAndSet(held, held + amount)) {
                return;
            }
        }
    }
}
