package io.portcullis.gateway.backend;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * How long one upstream call has been waiting, checked by the upstream client's {@link CallSweeper}: first
 * for the answer's head (the response timeout), then for each read of its body (the idle
 * timeout). A wait past its limit cancels the call, which closes its connection and fails the
 * blocked read; {@link #timedOut()} then tells a timeout from any other failure.
 *
 * <p>The wait under way is one value ({@link Wait}: when it began and its limit), swapped whole
 * by the call's thread and read once by the sweeper. Kept as two fields, the sweeper could read
 * the start of the wait for the head and the (shorter) limit of the first body read, and cancel a
 * healthy call at the moment its head arrived. The sweeper cancels only by swapping out the very
 * wait it judged, so a call that moved on in the meantime is left alone.
 */
final class CallWatch {

    /** One wait; compared by identity, so each {@link #waiting} makes a new one. */
    record Wait(long sinceNanos, long limitNanos) {
        boolean overdue(long nowNanos) {
            return nowNanos - sinceNanos > limitNanos;
        }
    }

    private final Runnable cancel;
    private final LongSupplier nanoTime;
    /** The wait under way, or null between waits. */
    private final AtomicReference<Wait> current = new AtomicReference<>();
    private volatile boolean timedOut;

    CallWatch(Runnable cancel) {
        this(cancel, System::nanoTime);
    }

    CallWatch(Runnable cancel, LongSupplier nanoTime) {
        this.cancel = cancel;
        this.nanoTime = nanoTime;
    }

    void waiting(long limitNanos) {
        current.set(new Wait(nanoTime.getAsLong(), limitNanos));
    }

    void done() {
        current.set(null);
    }

    boolean timedOut() {
        return timedOut;
    }

    /** The wait under way, as the sweeper sees it: null between waits. */
    Wait current() {
        return current.get();
    }

    void expireIfStalled(long nowNanos) {
        expireIfStalled(current.get(), nowNanos);
    }

    /**
     * Cancels the call if {@code seen}, read once, is overdue and still the wait under way.
     * Separate from the read so a test can move the call on between the two.
     */
    void expireIfStalled(Wait seen, long nowNanos) {
        if (seen == null || !seen.overdue(nowNanos) || timedOut) {
            return;
        }
        // only the wait judged: if the call's head or bytes arrived since, it is not stalled
        if (current.compareAndSet(seen, null)) {
            timedOut = true; // before the cancel, so the failed read sees why it failed
            cancel.run();
        }
    }
}
