package io.portcullis.gateway.backend;

/**
 * How long one upstream call has been waiting, checked by {@link UpstreamClient}'s sweeper: first
 * for the answer's head (the response timeout), then for each read of its body (the idle
 * timeout). A wait past its limit cancels the call, which closes its connection and fails the
 * blocked read; {@link #timedOut()} then tells a timeout from any other failure.
 */
final class CallWatch {

    private static final long IDLE = Long.MIN_VALUE;

    private final Runnable cancel;
    private volatile long waitingSince = IDLE;
    private volatile long limitNanos;
    private volatile boolean timedOut;

    CallWatch(Runnable cancel) {
        this.cancel = cancel;
    }

    void waiting(long limitNanos) {
        this.limitNanos = limitNanos;
        this.waitingSince = System.nanoTime();
    }

    void done() {
        waitingSince = IDLE;
    }

    boolean timedOut() {
        return timedOut;
    }

    void expireIfStalled(long now) {
        long since = waitingSince;
        if (since != IDLE && now - since > limitNanos && !timedOut) {
            timedOut = true;
            cancel.run();
        }
    }
}
