package io.portcullis.gateway.proxy;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A backend's answer body whose every read must return within the idle timeout: the JDK client
 * has no read timeout, so a backend that stalls mid-stream would otherwise hold the client (and a
 * quota slot) forever. When a read waits too long a watchdog closes the stream, which cancels the
 * upstream request; the read then fails and {@link #timedOut()} says why.
 */
final class IdleTimeoutInputStream extends FilterInputStream {

    private final ScheduledExecutorService watchdog;
    private final long idleNanos;
    private volatile boolean timedOut;

    IdleTimeoutInputStream(InputStream in, Duration idle, ScheduledExecutorService watchdog) {
        super(in);
        this.watchdog = watchdog;
        this.idleNanos = idle.toNanos();
    }

    boolean timedOut() {
        return timedOut;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        ScheduledFuture<?> alarm = watchdog.schedule(this::expire, idleNanos, TimeUnit.NANOSECONDS);
        try {
            int n = super.read(b, off, len);
            if (timedOut) {
                throw new IOException("no data from the backend for " + Duration.ofNanos(idleNanos));
            }
            return n;
        } catch (IOException e) {
            if (timedOut) {
                throw new IOException("no data from the backend for " + Duration.ofNanos(idleNanos), e);
            }
            throw e;
        } finally {
            alarm.cancel(false);
        }
    }

    private void expire() {
        timedOut = true;
        try {
            in.close();
        } catch (IOException e) {
            // closing is all we can do; the blocked read fails either way
        }
    }
}
