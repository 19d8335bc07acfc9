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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One request and its answer on one {@link NettyUpstreamPool.Connection}: the event loop delivers
 * the answer's head and body ({@link NettyUpstreamHandler}); the caller's virtual thread waits for the
 * head, then reads the body from a small queue of buffers ({@link AnswerQueue}, which pauses the
 * connection's reading while it is full, so a slow client makes the backend wait rather than the
 * gateway buffer its whole stream). The caller is woken once per socket read, not per decoded part.
 *
 * <p>Timeouts are the caller's {@link CallWatch}: cancelling closes the channel, which wakes
 * whoever waits here with a failure.
 */
final class NettyUpstreamExchange implements UpstreamAnswer {

    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Connection connection;
    private final NettyUpstreamPool pool;
    private final CallSweeper sweeper;
    private final CallWatch watch;
    private final long backstopNanos;
    private final UpstreamBody body;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AnswerQueue queue;
    // all guarded by lock, written on the event loop unless said otherwise
    private HttpResponse head;
    private IOException failure;
    private boolean skippingInterim;
    private boolean ended;
    private boolean closed;            // by the caller
    /** The write of the request's last part; null until it is sent (never, for an upload answered early). */
    private volatile ChannelFuture lastPart;
    private volatile boolean requestKeepAlive = true;
    /**
     * Whether any byte of an answer came, even a part of a status line the codec has not decoded:
     * a backend that began to answer had the request, so its hang-up is not "no answer" (which
     * may be retried). Written and read on the event loop.
     */
    private boolean bytesArrived;
    /**
     * Whether the head or body parts came since the waiter was last woken. The waiter is woken
     * once per socket read ({@link #readComplete}), not once per part: a head and its body usually
     * come in one read, and a wake-up per part would find the body not yet queued and park again.
     * Written and read on the event loop.
     */
    private boolean unsignalled;

    NettyUpstreamExchange(Connection connection, NettyUpstreamPool pool, CallSweeper sweeper, CallWatch watch,
                  long idleNanos, long backstopNanos) {
        this.connection = connection;
        this.pool = pool;
        this.sweeper = sweeper;
        this.watch = watch;
        this.backstopNanos = backstopNanos;
        this.queue = new AnswerQueue(connection.channel());
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
                    lock.lock();
                    try {
                        head = response;
                    } finally {
                        lock.unlock();
                    }
                    unsignalled(); // the waiter wakes once this read is over
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
            channel().eventLoop().execute(this::readComplete);
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
            return queue.peakBytes();
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
            queue.clear();
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
        lock.lock();
        try {
            queue.resumeReading();
        } finally {
            lock.unlock();
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
                return queue.take(b, off, len);
            } finally {
                lock.unlock();
            }
        }
    }
}
