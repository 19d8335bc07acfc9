package io.portcullis.policy.quota;

import io.portcullis.policy.spi.LeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * This replica's slice of one shared budget, and the whole protocol around it: take units, give
 * them back, refill from the {@link LeaseStore}, retire.
 *
 * <p>All of the lease's state is one immutable {@link State} swapped by compare-and-set, as in
 * resilience4j's {@code AtomicRateLimiter}; nothing outside this class reads or locks it. Chosen
 * over one monitor for two reasons. It is the simpler to prove: every change is a pure function
 * from one whole state to the next, so no reader sees half a change (units without the store's
 * answer that brought them, a retirement without the units it took), and every effect outside
 * the lease (a store call, a release, a wake-up) is made after the compare-and-set that decided
 * it, by the one thread whose compare-and-set won. And the request path queues on no lock: lease
 * monitors were where hundreds of virtual threads waited under load (docs/performance.md,
 * finding 14).
 *
 * <p>What holds after every step:
 * <ul>
 *   <li>every unit leased from the store is in the lease, with a request that took it, or on its
 *       way back to the store (two exceptions are dropped instead, counted as used until their
 *       window ends, never overspent: what an ended window's lease held, and what a retired lease
 *       could not give back because the store was unreachable);</li>
 *   <li>while {@code refill} is set, exactly one caller talks to the store for this lease, outside
 *       any lock; only that caller clears it, always (a {@code finally}), in the same step that
 *       lands the store's answer; the others wait for that answer instead of asking again;</li>
 *   <li>a retired lease holds nothing: retiring empties it in the same step, and units that reach
 *       it afterwards (a settle, or a refill that was at the store when it retired) go straight
 *       back to the store.</li>
 * </ul>
 */
final class Lease {

    /** How long a lease waits before another top-up once one found the store unreachable. */
    static final Duration TOP_UP_BACKOFF = Duration.ofSeconds(1);

    /** What a take came to. */
    sealed interface Outcome {
        Outcome TAKEN = new Taken();
        Outcome UNREACHABLE = new Unreachable();

        /** The units are the caller's. */
        record Taken() implements Outcome {
        }

        /** The shared budget has not got them; {@code retryAfter} as the store said (zero if it did not). */
        record Refused(Duration retryAfter) implements Outcome {
        }

        /** The store could not be asked. */
        record Unreachable() implements Outcome {
        }
    }

    /**
     * The whole state of a lease.
     *
     * @param available      units held here, not yet taken
     * @param storeRemaining what the store last said is left of the shared budget
     * @param refill         the store call in flight for this lease, or null
     * @param noTopUpBefore  after a top-up found the store unreachable, none is tried before this (epoch ms)
     * @param limit          the limit last taken against (releases pass it to the store)
     * @param lastUsed       when units were last taken (epoch ms)
     * @param retired        forgotten by the engine: holds nothing from now on
     */
    private record State(long available, long storeRemaining, Refill refill, long noTopUpBefore, long limit,
                         long lastUsed, boolean retired) {

        static final State NEW = new State(0, Long.MAX_VALUE / 4, null, 0, 0, 0, false);

        State taking(long left, Refill refill, long limit, long nowMillis) {
            return new State(left, storeRemaining, refill, noTopUpBefore, limit, nowMillis, retired);
        }

        State holding(long units) {
            return new State(units, storeRemaining, refill, noTopUpBefore, limit, lastUsed, retired);
        }

        State landed(long units, long storeRemaining, long noTopUpBefore) {
            return new State(retired ? 0 : units, storeRemaining, null, noTopUpBefore, limit, lastUsed, retired);
        }

        State retiring() {
            return new State(0, storeRemaining, refill, noTopUpBefore, limit, lastUsed, true);
        }
    }

    final LeaseKey key;
    private final LeaseStore store;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);

    Lease(LeaseKey key, LeaseStore store) {
        this.key = key;
        this.store = store;
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
     * that leaves the lease low (under a quarter of a chunk, while the shared budget still has a
     * chunk to spare) tops it up after taking its own share, and the others go on spending.
     */
    Outcome take(long amount, long limit, Instant now) {
        long nowMillis = now.toEpochMilli();
        long chunk = chunk(key.metric(), limit);
        while (true) {
            State s = state.get();
            if (s.available >= amount) {
                long left = s.available - amount;
                boolean topUp = !s.retired && s.refill == null && left < chunk / 4 && s.storeRemaining >= chunk
                        && nowMillis >= s.noTopUpBefore;
                Refill refill = topUp ? new Refill() : s.refill;
                if (!state.compareAndSet(s, s.taking(left, refill, limit, nowMillis))) {
                    continue;
                }
                if (topUp) {
                    refill(refill, 0, 1, chunk, limit, true, now);
                }
                return Outcome.TAKEN;
            }
            if (s.refill != null) {
                // someone else is at the store for this lease: wait for its answer rather than ask the same question
                Outcome refusal = s.refill.await();
                if (refusal == null || refusal instanceof Outcome.Refused && mightFit(amount)) {
                    continue;
                }
                return refusal;
            }
            Refill refill = new Refill();
            if (!state.compareAndSet(s, s.taking(s.available, refill, limit, nowMillis))) {
                continue;
            }
            long need = amount - s.available;
            // a retired lease keeps nothing, so it asks only for what this caller needs
            long want = s.retired ? need : Math.max(need, chunk);
            if (refill(refill, amount, need, want, limit, false, now)) {
                return Outcome.TAKEN;
            }
            if (refill.refusal != null) {
                return refill.refusal;
            }
            // granted, but smaller callers spent what the lease held meanwhile: look again
        }
    }

    /** After a refused refill, whether {@code amount} might still fit what the store said it has left. */
    private boolean mightFit(long amount) {
        State s = state.get();
        return amount - s.available <= s.storeRemaining;
    }

    /**
     * Asks the store for {@code need} to {@code want} units, as the caller that holds
     * {@code refill}, then lands the answer in one step: the grant joins the lease, this caller
     * takes its {@code share} of it at once when it fits (so smaller callers cannot spend it
     * first), the refill is cleared and its waiters are woken. Whether the share was taken.
     */
    private boolean refill(Refill refill, long share, long need, long want, long limit, boolean topUp, Instant now) {
        LeaseStore.Grant grant;
        try {
            grant = store.acquire(key, need, want, limit, now);
        } catch (RuntimeException e) {
            grant = null; // unreachable
        } catch (Error e) {
            land(refill, null, share, need, topUp, now); // so that no waiter waits for good
            throw e;
        }
        return land(refill, grant, share, need, topUp, now);
    }

    private boolean land(Refill refill, LeaseStore.Grant grant, long share, long need, boolean topUp, Instant now) {
        boolean granted = grant != null && grant.granted() >= need;
        while (true) {
            State s = state.get();
            long units = s.available + (grant == null ? 0 : grant.granted());
            boolean served = granted && units >= share;
            long left = served ? units - share : units;
            long noTopUpBefore = grant == null && topUp ? now.plus(TOP_UP_BACKOFF).toEpochMilli() : s.noTopUpBefore;
            State next = s.landed(left, grant == null ? s.storeRemaining : grant.remaining(), noTopUpBefore);
            if (state.compareAndSet(s, next)) {
                refill.finish(grant == null ? Outcome.UNREACHABLE
                        : granted ? null : new Outcome.Refused(grant.retryAfter()));
                if (s.retired) {
                    release(left, now); // retired while at the store: what this caller does not take goes back
                }
                return served;
            }
        }
    }

    /** Gives units back: to the lease, or to the store once the lease is retired (it is read no more). */
    void giveBack(long amount, Instant now) {
        if (amount <= 0) {
            return;
        }
        while (true) {
            State s = state.get();
            if (s.retired) {
                release(amount, now);
                return;
            }
            if (state.compareAndSet(s, s.holding(s.available + amount))) {
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
            } catch (RuntimeException e) {
                // The usage is in the ledger either way; the shared counter under-counts by
                // 'extra' until the window ends. Documented in docs/quotas.md.
            }
        }
    }

    private long takeUpTo(long amount) {
        while (true) {
            State s = state.get();
            long taken = Math.min(amount, s.available);
            if (taken == 0 || state.compareAndSet(s, s.holding(s.available - taken))) {
                return taken;
            }
        }
    }

    /** Gives everything back to the store when the lease has been unused for {@code idle}. */
    void returnIfIdle(Duration idle, Instant now) {
        while (true) {
            State s = state.get();
            if (s.available <= 0 || now.toEpochMilli() - s.lastUsed < idle.toMillis()) {
                return;
            }
            if (state.compareAndSet(s, s.holding(0))) {
                release(s.available, now);
                return;
            }
        }
    }

    /**
     * Retires the lease when it holds nothing, no refill is at the store and it has been unused for
     * {@code forgetAfter}, so that memory follows active keys: whether it did.
     */
    boolean retireIfForgotten(Duration forgetAfter, Instant now) {
        while (true) {
            State s = state.get();
            if (s.retired) {
                return true;
            }
            if (s.available > 0 || s.refill != null || now.toEpochMilli() - s.lastUsed < forgetAfter.toMillis()) {
                return false;
            }
            if (state.compareAndSet(s, s.retiring())) {
                return true;
            }
        }
    }

    /**
     * Retires the lease whatever it holds, for a window that is over: what it held is dropped, as
     * the ended window's count no longer matters (and a store call per lease at midnight would).
     */
    void retire() {
        state.updateAndGet(State::retiring);
    }

    boolean retired() {
        return state.get().retired;
    }

    /** What is left of the shared budget as this replica sees it: the store's last answer plus what the lease holds. */
    long remaining(long limit) {
        State s = state.get();
        return Math.max(0, Math.min(limit, s.storeRemaining + s.available));
    }

    /** Gives {@code amount} back to the store; kept in the lease (retried when idle) if the store cannot be reached. */
    private void release(long amount, Instant now) {
        if (amount <= 0) {
            return;
        }
        try {
            store.release(key, amount, state.get().limit, now);
        } catch (RuntimeException e) {
            keep(amount);
        }
    }

    /**
     * Keeps units the store would not take back. A retired lease cannot keep them (nobody reads it):
     * they stay counted as used in the store until the window ends (a bucket: refills), never overspent.
     */
    private void keep(long amount) {
        while (true) {
            State s = state.get();
            if (s.retired || state.compareAndSet(s, s.holding(s.available + amount))) {
                return;
            }
        }
    }

    /** One store call for one lease, and what came of it. */
    private static final class Refill {
        private final CountDownLatch done = new CountDownLatch(1);
        private Outcome refusal; // written before done counts down, read after

        void finish(Outcome refusal) {
            this.refusal = refusal;
            done.countDown();
        }

        /** Waits for the store's answer: its refusal, or {@code null} when it granted what was asked. */
        Outcome await() {
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Outcome.UNREACHABLE;
            }
            return refusal;
        }
    }
}
