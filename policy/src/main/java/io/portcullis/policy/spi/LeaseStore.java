package io.portcullis.policy.spi;

import io.portcullis.policy.quota.LeaseKey;
import java.time.Duration;
import java.time.Instant;

/**
 * The shared, cluster-wide side of quotas: every replica takes slices ("leases") of a budget
 * from here and spends them locally, so the hot path needs no round trip per request. The
 * gateway implements it on PostgreSQL with atomic conditional updates; tests use an in-memory
 * fake. Implementations must be safe for concurrent use by many replicas.
 */
public interface LeaseStore {

    /**
     * Atomically takes at least {@code need} and at most {@code want} units, never letting the
     * shared total exceed {@code limit}.
     *
     * @return what was granted (0 when even {@code need} does not fit), and when it is worth
     *         retrying if refused
     * @throws RuntimeException when the store cannot be reached
     */
    Grant acquire(LeaseKey key, long need, long want, long limit, Instant now);

    /** Gives back units that were leased but not spent (or request slots that ended). */
    void release(LeaseKey key, long amount, long limit, Instant now);

    /**
     * Records units spent beyond what was leased (a request that used more tokens than were
     * reserved for it). Never refused: the usage already happened.
     */
    void charge(LeaseKey key, long amount, Instant now);

    /**
     * Units left for the whole cluster as last seen by the store (leases held by replicas count
     * as used), for the {@code x-ratelimit-remaining-*} headers.
     *
     * @param granted    units granted by this call
     * @param remaining  units still free in the shared budget after it
     * @param retryAfter when refused, how long until {@code need} could fit
     */
    record Grant(long granted, long remaining, Duration retryAfter) {
        public static Grant refused(long remaining, Duration retryAfter) {
            return new Grant(0, remaining, retryAfter);
        }
    }
}
