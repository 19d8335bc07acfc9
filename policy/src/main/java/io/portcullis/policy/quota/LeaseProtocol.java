package io.portcullis.policy.quota;

import io.portcullis.policy.spi.LeaseStore;
import java.time.Duration;

/**
 * Who is at the store for one {@link Lease}, and what it last said. Immutable: the lease swaps it
 * by compare-and-set, and while a refill is set only the caller that set it replaces it (the lease
 * argues why that is correct). What changes it, and how, is here as pure arithmetic with time
 * passed in, so the bookkeeping of a store call (what is left, when to top up again, the low-water
 * mark) reads apart from the concurrency around it.
 *
 * @param refill         the store call in flight, or null
 * @param storeRemaining what the store last said is left of the shared budget, moved since by what
 *                       this lease gave back or charged ({@link #seen})
 * @param noTopUpBefore  after a top-up found the store unreachable, none is tried before this (epoch ms)
 * @param lowWater       under this the lease is topped up ahead of need ({@link LowWater}); -1 before any grant
 * @param lastGrant      what the store last granted (0: nothing yet), and {@code lastGrantAt} when (epoch ms)
 */
record LeaseProtocol(LeaseRefill refill, long storeRemaining, long noTopUpBefore, long lowWater, long lastGrant,
                     long lastGrantAt) {

    /** How long a lease waits before another top-up once one found the store unreachable. */
    static final Duration TOP_UP_BACKOFF = Duration.ofSeconds(1);

    static final LeaseProtocol NEW = new LeaseProtocol(null, Long.MAX_VALUE / 4, 0, -1, 0, 0);

    LeaseProtocol claimedBy(LeaseRefill refill) {
        return new LeaseProtocol(refill, storeRemaining, noTopUpBefore, lowWater, lastGrant, lastGrantAt);
    }

    long lowWater(long chunk) {
        return lowWater < 0 ? LowWater.initial(chunk) : lowWater;
    }

    /**
     * Whether a lease that fell under its mark may start a top-up of {@code chunk}: no refill in
     * flight, a chunk to spare in the shared budget, and no backoff after an unreachable store.
     */
    boolean topUpDue(long chunk, long nowMillis) {
        return refill == null && storeRemaining >= chunk && nowMillis >= noTopUpBefore;
    }

    /**
     * After the store call of the refill in flight: cleared, with the store's answer ({@code grant},
     * null when unreachable or not {@code asked}). An unreachable store holds off the next top-up
     * for {@link #TOP_UP_BACKOFF}; a grant sets the next low-water mark from its size and how fast
     * the previous grant was spent.
     */
    LeaseProtocol landed(LeaseStore.Grant grant, boolean asked, boolean topUp, long nowMillis) {
        long got = grant == null ? 0 : grant.granted();
        return new LeaseProtocol(null, grant == null ? storeRemaining : grant.remaining(),
                asked && grant == null && topUp ? nowMillis + TOP_UP_BACKOFF.toMillis() : noTopUpBefore,
                got > 0 ? LowWater.after(got, lastGrant, nowMillis - lastGrantAt) : lowWater,
                got > 0 ? got : lastGrant, got > 0 ? nowMillis : lastGrantAt);
    }

    /**
     * Moves the store's last answer by what this replica just gave back ({@code +}) or charged
     * ({@code -}), so {@link Lease#remaining} (and the engine's view of what is used, for alerts)
     * does not count units given back as spent. A hint only: while a refill is at the store its
     * answer will replace the figure anyway, so it is left alone then, as it is before the store
     * has answered at all: this same value comes back.
     */
    LeaseProtocol seen(long delta) {
        if (refill != null || storeRemaining >= NEW.storeRemaining) {
            return this;
        }
        return new LeaseProtocol(null, Math.max(0, storeRemaining + delta), noTopUpBefore, lowWater, lastGrant,
                lastGrantAt);
    }
}
