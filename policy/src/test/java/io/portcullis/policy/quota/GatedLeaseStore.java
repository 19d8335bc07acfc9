package io.portcullis.policy.quota;

import io.portcullis.policy.spi.InMemoryLeaseStore;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** A lease store whose acquire calls can be held at a gate, counted, and made to fail once through it. */
final class GatedLeaseStore extends InMemoryLeaseStore implements AutoCloseable {
    final AtomicInteger acquires = new AtomicInteger();
    final CountDownLatch arrived = new CountDownLatch(1);
    final CountDownLatch gate = new CountDownLatch(1);
    volatile boolean gated;
    /** Thrown by acquire calls that pass the gate, when set. */
    volatile Error failure;

    @Override
    public Grant acquire(LeaseKey key, long need, long want, long limit, Instant now) {
        acquires.incrementAndGet();
        if (gated) {
            arrived.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return super.acquire(key, need, want, limit, now);
    }

    /** Opens the gate, so no thread of a failed test stays parked at it. */
    @Override
    public void close() {
        gate.countDown();
    }
}
