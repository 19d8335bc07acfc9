package io.portcullis.gateway.dataplane;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The requests the data plane is answering, for a graceful stop: once draining, no connection is
 * kept alive after its answer, and the server waits for the count to reach zero.
 */
final class InFlight {

    private final AtomicInteger count = new AtomicInteger();
    private volatile boolean draining;

    void begin() {
        count.incrementAndGet();
    }

    void end() {
        count.decrementAndGet();
    }

    /** Keeps connections alive again: the server started after a stop (a paused test context does). */
    void resume() {
        draining = false;
    }

    boolean draining() {
        return draining;
    }

    /** Stops keeping connections alive and waits up to {@code nanos} for the answers in flight; true when all ended. */
    boolean drain(long nanos) throws InterruptedException {
        draining = true;
        long deadline = System.nanoTime() + nanos;
        while (count.get() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(20); // stop runs once per process: polling is plenty
        }
        return true;
    }
}
