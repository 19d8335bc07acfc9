package io.portcullis.gateway.backend;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A backend's answer body that knows whether it was read to the end, and whether it was cut off
 * because the backend stayed silent longer than the idle timeout ({@link CallWatch}).
 */
public final class UpstreamBody extends FilterInputStream {

    private final CallWatch watch;
    private final long idleNanos;
    private boolean finished;

    UpstreamBody(InputStream in, CallWatch watch, long idleNanos) {
        super(in);
        this.watch = watch;
        this.idleNanos = idleNanos;
    }

    /** Whether the backend was cut off for staying silent longer than the idle timeout. */
    public boolean timedOut() {
        return watch.timedOut();
    }

    boolean finished() {
        return finished;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (finished) {
            return -1;
        }
        watch.waiting(idleNanos);
        try {
            int n = in.read(b, off, len);
            if (n < 0) {
                finished = true;
            }
            return n;
        } catch (IOException e) {
            if (watch.timedOut()) {
                throw new IOException("no data from the backend within the idle timeout", e);
            }
            throw e;
        } finally {
            watch.done();
        }
    }

    @Override
    public void close() {
        // UpstreamAnswer.close decides between reuse and cancel; closing the wrapped stream early
        // would drain the rest of the answer.
    }
}
