package io.portcullis.gateway.dataplane;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.portcullis.gateway.web.MalformedBodyException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A request body as a blocking stream: the event loop hands in the parts as they are decoded, the
 * serving virtual thread reads them. Bounded: past {@link #HIGH_WATER} bytes waiting unread, the
 * connection stops reading from the socket (TCP then slows the client) until the reader has taken
 * them down to {@link #LOW_WATER}. The lock is held only to move buffers in and out, never while
 * waiting on I/O, so the event loop never waits long for it.
 */
final class BodyStream extends InputStream implements RequestSink {

    static final int HIGH_WATER = 64 * 1024;
    static final int LOW_WATER = 16 * 1024;

    private final Channel channel;
    private final Runnable beforeFirstRead;
    private final long defaultTimeoutNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ByteBuf> parts = new ArrayDeque<>();

    private int buffered;
    private boolean ended;
    private boolean gone;
    private boolean discarding;
    private boolean paused;
    private boolean read;
    private volatile long timeoutNanos;
    /** A part arrived that the codec could not frame; guarded by the lock. */
    private boolean malformed;

    BodyStream(Channel channel, long defaultTimeoutNanos, Runnable beforeFirstRead) {
        this.channel = channel;
        this.defaultTimeoutNanos = defaultTimeoutNanos;
        this.timeoutNanos = defaultTimeoutNanos;
        this.beforeFirstRead = beforeFirstRead;
    }

    // --- the event loop's side

    @Override
    public void content(HttpContent part) {
        lock.lock();
        try {
            ByteBuf bytes = part.content();
            if (part.decoderResult().isFailure()) {
                malformed = true; // nothing after a broken chunk can be framed: the body ends here
                ended = true;
                part.release();
                changed.signalAll();
                return;
            }
            if (discarding || gone || !bytes.isReadable()) {
                part.release();
            } else {
                parts.add(bytes); // the part's content is the part: ownership moves with it
                buffered += bytes.readableBytes();
            }
            if (part instanceof LastHttpContent) {
                ended = true;
            } else if (buffered > HIGH_WATER && !paused) {
                paused = true;
                channel.config().setAutoRead(false);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean answersBrokenBody() {
        return true; // the reader sees a malformed body and answers 400
    }

    @Override
    public void clientClosed() {
        lock.lock();
        try {
            gone = true;
            releaseAll();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // --- the serving thread's side

    /** Whether the whole body has arrived (read or not), so the connection can frame the next request. */
    boolean ended() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the body's framing broke: the connection cannot carry another request. */
    boolean malformed() {
        lock.lock();
        try {
            return malformed;
        } finally {
            lock.unlock();
        }
    }

    /** The handler is done: whatever is still buffered or still arrives is dropped. */
    void discard() {
        lock.lock();
        try {
            discarding = true;
            releaseAll();
        } finally {
            lock.unlock();
        }
    }

    void limitReadTime(long millis) {
        timeoutNanos = Math.min(TimeUnit.MILLISECONDS.toNanos(Math.max(0, millis)), defaultTimeoutNanos);
    }

    void restoreReadTime() {
        timeoutNanos = defaultTimeoutNanos;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, into.length);
        if (length == 0) {
            return 0;
        }
        if (!read) {
            read = true;
            beforeFirstRead.run();
        }
        lock.lock();
        try {
            long wait = timeoutNanos;
            while (parts.isEmpty()) {
                if (gone || discarding) {
                    throw new IOException("The client closed the connection before sending the whole body");
                }
                if (malformed) {
                    throw new MalformedBodyException("The request body's chunked framing is broken");
                }
                if (ended) {
                    return -1;
                }
                if (wait <= 0) {
                    throw new SocketTimeoutException("No request body bytes arrived in time");
                }
                wait = changed.awaitNanos(wait);
            }
            ByteBuf head = parts.peek();
            int n = Math.min(length, head.readableBytes());
            head.readBytes(into, offset, n);
            if (!head.isReadable()) {
                parts.poll().release();
            }
            buffered -= n;
            if (paused && buffered <= LOW_WATER) {
                paused = false;
                channel.eventLoop().execute(this::resume);
            }
            return n;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("Interrupted while reading the request body");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int available() {
        lock.lock();
        try {
            return buffered;
        } finally {
            lock.unlock();
        }
    }

    /** On the event loop: reading resumes unless the body has ended (the front door then holds reads). */
    private void resume() {
        lock.lock();
        try {
            if (ended || gone || paused) {
                return;
            }
        } finally {
            lock.unlock();
        }
        channel.config().setAutoRead(true);
        channel.read();
    }

    private void releaseAll() {
        ByteBuf part;
        while ((part = parts.poll()) != null) {
            part.release();
        }
        buffered = 0;
    }
}
