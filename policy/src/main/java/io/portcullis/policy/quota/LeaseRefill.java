package io.portcullis.policy.quota;

import java.util.concurrent.CountDownLatch;

/** One store call for one {@link Lease}, and what came of it: takers that find it in flight wait for it. */
final class LeaseRefill {

    private final CountDownLatch done = new CountDownLatch(1);
    private TakeOutcome refusal; // written before done counts down, read after

    void finish(TakeOutcome refusal) {
        this.refusal = refusal;
        done.countDown();
    }

    /** The refusal, as the caller that finished this refill reads it (no wait: it wrote it). */
    TakeOutcome refusal() {
        return refusal;
    }

    /** Waits for the store's answer: its refusal, or {@code null} when it granted what was asked. */
    TakeOutcome await() {
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return TakeOutcome.UNREACHABLE;
        }
        return refusal;
    }
}
