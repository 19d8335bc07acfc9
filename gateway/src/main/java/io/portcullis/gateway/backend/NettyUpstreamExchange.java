package io.portcullis.gateway.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.portcullis.gateway.backend.NettyUpstreamPool.Connection;
import io.portcullis.gateway.backend.UpstreamClient.UpstreamAnswer;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One request and its answer on one {@link NettyUpstreamPool.Connection}: the event loop delivers
 * the answer's head and body ({@link NettyUpstreamHandler}); the caller's virtual thread waits for the
 * head, then reads the body from a small queue of buffers. While the queue holds
 * {@link #QUEUE_LIMIT} bytes or more the connection stops reading (autoRead off), so a slow client
 * makes the backend wait rather than the gateway buffer its whole stream.
 *
 * <p>Timeouts are the caller's {@link CallWatch}: cancelling closes the channel, which wakes
 * whoever waits here with a failure.
 */
final class NettyUpstreamExchange implements UpstreamAnswer {

    /**
     * Bytes queued before the connection stops reading; reading resumes below half of it. Each
     * open stream may hold this much (plus one socket read), so it stays small: a chat answer or a
     * stream's events fit, a large body just pauses the backend more often.
     */
    static final int QUEUE_LIMIT = 64 * 1024;
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Connection connection;
    private final NettyUpstreamPool pool;
    private final CallSweeper sweeper;
    private final CallWatch watch;
    private final long backstopNanos;
    private final UpstreamBody body;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    // all guarded by lock, written on the event loop unless said otherwise
    private HttpResponse head;
    private IOException failure;
    private boolean skippingInterim;
    private boolean ended;
    private boolean closed;            // by the caller
    private boolean reading = true;    // the channel's autoRead, as this exchange set it
    private int queuedBytes;
    private int peakQueuedBytes;
    /** The write of the request's last part; null until it is sent (never, for an upload answered early). */
    private volatile ChannelFuture lastPart;
    private volatile boolean requestKeepAlive = true;
    /**
     * Whether any byte of an answer came, even a part of a status line the codec has not decoded:
     * a backend that began to answer had the request, so its hang-up is not "no answer" (which
     * may be retried). Written and read on the event loop.
     */
    private boolean bytesArrived;

    NettyUpstreamExchange(Connection connection, NettyUpstreamPool pool, CallSweeper sweeper, CallWatch watch,
                  long idleNanos, long backstopNanos) {
        this.connection = connection;
        this.pool = pool;
        this.sweeper = sweeper;
        this.watch = watch;
        this.backstopNanos = backstopNanos;
        this.body = new UpstreamBody(new QueueStream(), watch, idleNanos);
    }

    Channel channel() {
        return connection.channel();
    }

    void lastPart(ChannelFuture written) {
        lastPart = written;
    }

    /** Some bytes of the answer came off the socket (before the codec: {@link NettyUpstreamHandler#arrivals()}). */
    void bytesArrived() {
        bytesArrived = true;
    }

    void requestKeepAlive(boolean keepAlive) {
        requestKeepAlive = keepAlive;
    }

    // ---- the event loop's side

    void received(Object msg) {
        try {
            if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
                failed(new IOException("not a valid HTTP answer: " + o.decoderResult().cause().getMessage(),
                        o.decoderResult().cause()));
                channel().close();
                return;
            }
            if (msg instanceof HttpResponse response) {
                // 1xx (100 Continue, 103 Early Hints) precede the real answer: skipped whole
                skippingInterim = response.status().codeClass() == HttpStatusClass.INFORMATIONAL
                        && response.status().code() != 101;
                if (!skippingInterim) {
                    signal(() -> head = response);
                }
            }
            if (msg instanceof HttpContent content) {
                if (skippingInterim) {
                    skippingInterim = !(content instanceof LastHttpContent);
                    return;
                }
                queue(content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void queue(HttpContent content) {
        ByteBuf data = content.content();
        lock.lock();
        try {
            if (closed || failure != null) {
                return;
            }
            if (data.isReadable()) {
                queue.add(data.retain());
                queuedBytes += data.readableBytes();
                peakQueuedBytes = Math.max(peakQueuedBytes, queuedBytes);
                if (queuedBytes >= QUEUE_LIMIT && reading) {
                    reading = false;
                    channel().config().setAutoRead(false);
                }
            }
            if (content instanceof LastHttpContent) {
                ended = true;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
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
                if (!channel().isActive()) {
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
                if (!channel().isActive()) {
                    throw new IOException("the connection to the backend closed while sending");
                }
                if (channel().isWritable()) {
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
            channel().close();
            throw new SocketTimeoutException("no answer from the backend within the socket backstop");
        }
        try {
            changed.awaitNanos(left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the backend");
        }
    }

    /** The most bytes this answer ever held queued (tests: back-pressure). */
    int peakQueuedBytes() {
        lock.lock();
        try {
            return peakQueuedBytes;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int status() {
        return head.status().code();
    }

    @Override
    public String header(String name) {
        return head.headers().get(name);
    }

    @Override
    public UpstreamBody body() {
        return body;
    }

    /**
     * Read to its end (and both sides kept the connection alive), the connection goes back to the
     * pool; otherwise it is closed, which also ends an exchange still under way.
     */
    @Override
    public void close() {
        boolean answered;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            answered = ended && queue.isEmpty() && failure == null && requestKeepAlive
                    && head != null && HttpUtil.isKeepAlive(head);
            for (ByteBuf data; (data = queue.poll()) != null; ) {
                data.release();
            }
            queuedBytes = 0;
        } finally {
            lock.unlock();
        }
        sweeper.forget(watch);
        connection.handler().end();
        ChannelFuture sent = lastPart;
        if (!answered || sent == null) {
            channel().close();
        } else if (sent.isDone()) {
            reuseIf(sent.isSuccess());
        } else {
            // A backend may answer the moment the last byte of a sized body arrives, before the
            // event loop has even run the write of the body's (empty) end: the connection goes back
            // once that has left, rather than being thrown away as if the request had not.
            sent.addListener(written -> reuseIf(written.isSuccess()));
        }
    }

    private void reuseIf(boolean requestSent) {
        if (!requestSent) {
            channel().close();
            return;
        }
        if (!reading) {
            channel().config().setAutoRead(true); // an idle connection must still see its close
        }
        pool.release(connection);
    }

    /** The body as the event loop queues it; blocking reads wait on the queue. */
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
                ByteBuf first = queue.peek();
                int n = Math.min(len, first.readableBytes());
                first.readBytes(b, off, n);
                if (!first.isReadable()) {
                    queue.poll().release();
                }
                queuedBytes -= n;
                if (!reading && queuedBytes <= QUEUE_LIMIT / 2) {
                    reading = true;
                    channel().config().setAutoRead(true);
                }
                return n;
            } finally {
                lock.unlock();
            }
        }
    }
}
