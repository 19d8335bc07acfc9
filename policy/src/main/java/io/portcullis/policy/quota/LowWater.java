package io.portcullis.policy.quota;

/**
 * When a lease is low enough to be topped up ahead of need: what it holds falls under a mark set
 * at each grant from the grant's size and how fast the previous one was spent. Pure arithmetic.
 *
 * <p>Why this shape: a top-up must land before the lease runs dry, so the mark is at least what
 * the lease will spend while a top-up is at the store ({@link #LEAD_MILLIS} at the drain rate the
 * previous grant showed), and never under a quarter of the grant (the fixed mark leases had
 * before). It stays under three quarters of the grant, so a replica never holds much more than
 * one grant beside what it is about to spend: idle leases still go back, and near exhaustion the
 * store's shrinking grants shrink the mark too.
 */
final class LowWater {

    /**
     * The store round trip a mark allows for: generous beside a conditional update's few
     * milliseconds, so that a busy database or a queued top-up still lands in time.
     */
    static final long LEAD_MILLIS = 250;

    private LowWater() {
    }

    /** The mark before the store has granted anything: a quarter of what the lease asks for. */
    static long initial(long chunk) {
        return chunk / 4;
    }

    /**
     * The mark after a grant of {@code grant} units, when the previous grant of {@code previousGrant}
     * units landed {@code sinceMillis} before it (either not positive: nothing known of the drain).
     */
    static long after(long grant, long previousGrant, long sinceMillis) {
        long floor = grant / 4;
        if (previousGrant <= 0 || sinceMillis < 0) {
            return floor;
        }
        // units are at most 10^15 (Limits.MAX_*), so this product stays far inside a long
        long duringRefill = previousGrant * LEAD_MILLIS / Math.max(1, sinceMillis);
        return Math.max(floor, Math.min(duringRefill, grant / 4 * 3));
    }
}
