package io.portcullis.gateway.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One answer between the event loop, which hands over its head, its body's buffers, its end or
 * its failure, and the caller's virtual thread ({@link NettyUpstreamExchange}), which waits for the
 * head, for room to send an upload, and for body bytes ({@link AnswerQueue}). Both sides meet under
 * one lock that only this class takes. The caller is woken once per socket read, not per decoded
 * part.
 *
 * <p>Timeouts are the caller's {@link CallWatch}: cancelling closes the channel, which wakes
 * whoever waits here with a failure.
 */
final class AnswerHandoff {

    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** What the caller's {@link #close} found. */
    enum Closing {
        /** Closed before: nothing more to do. */
        ALREADY,
        /** Read to its end without a failure, and the backend's head keeps the connection alive. */
        READ_WHOLE,
        /** Anything else: the connection cannot carry another exchange. */
        CUT_SHORT
    }

    private final Channel channel;
    private final long backstopNanos;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AnswerQueue queue;
    // all guarded by lock, written on the event loop unless said otherwise
    private HttpResponse head;
    private IOException failure;
    private boolean ended;
    private boolean closed;            // by the caller
    /**
     * Whether any byte of an answer came, even a part of a status line the codec has not decoded:
     * a backend that began to answer had the request, so its hang-up is not "no answer" (which
     * may be retried). Written on the event loop; read there, and by the caller's
     * {@link #awaitHead} only once the channel is inactive, i.e. after the loop's last read of it
     * (the channel's own state, which the loop changes after that read, carries the write over).
     */
    private boolean bytesArrived;
    /**
     * Whether the head or body parts came since the waiter was last woken. The waiter is woken
     * once per socket read ({@link #readComplete}), not once per part: a head and its body usually
     * come in one read, and a wake-up per part would find the body not yet queued and park again.
     * Written and read on the event loop.
     */
    private boolean unsignalled;

    AnswerHandoff(Channel channel, long backstopNanos) {
        this.channel = channel;
        this.backstopNanos = backstopNanos;
        this.queue = new AnswerQueue(channel);
    }

    // ---- the event loop's side

    /** Some bytes of the answer came off the socket (before the codec: {@link NettyUpstreamHandler#arrivals()}). */
    void bytesArrived() {
        bytesArrived = true;
    }

    /** The answer's head (not an interim 1xx) was decoded. */
    void head(HttpResponse response) {
        lock.lock();
        try {
            head = response;
        } finally {
            lock.unlock();
        }
        unsignalled(); // the waiter wakes once this read is over
    }

    /** A part of the body was decoded; the queue takes its own reference to the part's buffer. */
    void queue(HttpContent content) {
        ByteBuf data = content.content();
        lock.lock();
        try {
            if (closed || failure != null) {
                return;
            }
            queue.add(data);
            if (content instanceof LastHttpContent) {
                ended = true;
                unsignalled = false;
                changed.signalAll(); // the whole answer is here: nothing more to wait for
            } else {
                unsignalled();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Marks a change the waiter has not been woken for. It is woken by the read's end
     * ({@link NettyUpstreamHandler#channelReadComplete}), or at the latest by a task that the event
     * loop runs once it has handled this round of reads: a TLS handler that decodes outside a read
     * of the socket might not end it with a read-complete, and a missed wake-up here would leave
     * the caller waiting for the response timeout.
     */
    private void unsignalled() {
        if (!unsignalled) {
            unsignalled = true;
            channel.eventLoop().execute(this::readComplete);
        }
    }

    /** The connection's current read is over: the waiter learns of everything it brought, in one wake-up. */
    void readComplete() {
        if (unsignalled) {
            unsignalled = false;
            signal(() -> { });
        }
    }

    /** The connection closed: unless the answer had ended, whoever waits learns why. */
    void connectionClosed() {
        lock.lock();
        try {
            if (!ended && failure == null) {
                failure = head == null && !bytesArrived
                        ? new ClosedWithoutAnswerException("the backend closed the connection without an answer")
                        : new IOException(head == null
                                ? "the backend closed the connection in the middle of its answer's head"
                                : "the backend closed the connection before the end of its answer");
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void failed(IOException cause) {
        signal(() -> {
            if (failure == null && !ended) {
                failure = cause;
            }
        });
    }

    /** Writability changed: an upload waiting for room looks again. */
    void wake() {
        signal(() -> { });
    }

    private void signal(Runnable change) {
        lock.lock();
        try {
            change.run();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ---- the caller's side

    /**
     * Waits for the answer's head; the sweeper's cancel (closing the channel) ends the wait. The
     * wait has no timer of its own: every caller has put the call's response timeout on its
     * {@link CallWatch} before it gets here, and a virtual thread's timed wait costs a timer in the
     * scheduler's delay queue and a wake-up of its thread on every call (one futex call and half a
     * context switch per request under load, the most of any thread).
     */
    void awaitHead() throws IOException {
        lock.lock();
        try {
            while (head == null) {
                if (failure != null) {
                    throw failure;
                }
                if (!channel.isActive()) {
                    // closed before this exchange began on it (a pooled connection the backend shut
                    // as it was taken): its handler had no exchange to tell, and no timer would
                    connectionClosed();
                    continue;
                }
                changed.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the backend");
        } finally {
            lock.unlock();
        }
    }

    /**
     * The answer's head, once {@link #awaitHead} has returned: read without the lock, which that
     * wait took after the event loop wrote it.
     */
    HttpResponse head() {
        return head;
    }

    /**
     * Waits until the connection takes more of an upload.
     *
     * @return false when the answer's head has already arrived: the backend answered early (413,
     *         401...), the rest of the body is not sent
     */
    boolean awaitWritable() throws IOException {
        lock.lock();
        try {
            while (true) {
                if (head != null) {
                    return false;
                }
                if (failure != null) {
                    throw failure;
                }
                if (!channel.isActive()) {
                    throw new IOException("the connection to the backend closed while sending");
                }
                if (channel.isWritable()) {
                    return true;
                }
                // writability flips without the lock; a short wait rechecks rather than miss a wake
                changed.awaitNanos(RECHECK_NANOS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sending");
        } finally {
            lock.unlock();
        }
    }

    private void awaitUntil(long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            channel.close();
            throw new SocketTimeoutException("no answer from the backend within the socket backstop");
        }
        try {
            changed.awaitNanos(left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the backend");
        }
    }

    /** The body as the event loop queues it; blocking reads wait on the queue. */
    InputStream body() {
        return new QueueStream();
    }

    /** The most bytes this answer ever held queued (tests: back-pressure). */
    int peakQueuedBytes() {
        lock.lock();
        try {
            return queue.peakBytes();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The caller is done with the answer: what is still queued is released, parts still to come
     * are dropped, and whoever closes next finds {@link Closing#ALREADY}.
     */
    Closing close() {
        lock.lock();
        try {
            if (closed) {
                return Closing.ALREADY;
            }
            closed = true;
            boolean readWhole = ended && queue.isEmpty() && failure == null
                    && head != null && HttpUtil.isKeepAlive(head);
            queue.clear();
            return readWhole ? Closing.READ_WHOLE : Closing.CUT_SHORT;
        } finally {
            lock.unlock();
        }
    }

    /** Turns reading back on for a connection going back to the pool ({@link AnswerQueue#resumeReading}). */
    void resumeReading() {
        lock.lock();
        try {
            queue.resumeReading();
        } finally {
            lock.unlock();
        }
    }

    private final class QueueStream extends InputStream {

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            long deadline = System.nanoTime() + backstopNanos;
            lock.lock();
            try {
                while (queue.isEmpty()) {
                    if (ended) {
                        return -1;
                    }
                    if (closed) {
                        throw new IOException("the answer was closed");
                    }
                    if (failure != null) {
                        throw new IOException(failure.getMessage(), failure);
                    }
                    awaitUntil(deadline);
                }
                return queue.take(b, off, len);
            } finally {
                lock.unlock();
            }
        }
    }
}
