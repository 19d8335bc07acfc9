package io.portcullis.gateway.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;

/**
 * The body of one answer between the event loop, which queues its buffers as they are decoded, and
 * the caller's thread, which takes bytes out of them ({@link AnswerHandoff}). While
 * {@link #LIMIT} bytes or more wait, the connection stops reading (autoRead off), so a slow client
 * makes the backend wait rather than the gateway buffer its whole stream; reading resumes once the
 * queue is down to half of it.
 *
 * <p>Not thread-safe on its own: every call is made under the handoff's lock.
 */
final class AnswerQueue {

    /**
     * Bytes queued before the connection stops reading. Each open stream may hold this much (plus
     * one socket read), so it stays small: a chat answer or a stream's events fit, a large body
     * just pauses the backend more often.
     */
    static final int LIMIT = 64 * 1024;

    private final Channel channel;
    private final ArrayDeque<ByteBuf> buffers = new ArrayDeque<>();
    private int bytes;
    private int peakBytes;
    /** The channel's autoRead, as this queue set it. */
    private boolean reading = true;

    AnswerQueue(Channel channel) {
        this.channel = channel;
    }

    /** Queues a part of the body (the queue takes its own reference); stops reading at the limit. */
    void add(ByteBuf data) {
        if (!data.isReadable()) {
            return;
        }
        buffers.add(data.retain());
        bytes += data.readableBytes();
        peakBytes = Math.max(peakBytes, bytes);
        if (bytes >= LIMIT && reading) {
            reading = false;
            channel.config().setAutoRead(false);
        }
    }

    boolean isEmpty() {
        return buffers.isEmpty();
    }

    /**
     * Moves up to {@code length} bytes of the first buffer into {@code into}; reading resumes when
     * the queue is down to half the limit.
     *
     * @return the bytes moved; the queue must not be empty
     */
    int take(byte[] into, int offset, int length) {
        ByteBuf first = buffers.peek();
        int n = Math.min(length, first.readableBytes());
        first.readBytes(into, offset, n);
        if (!first.isReadable()) {
            buffers.poll().release();
        }
        bytes -= n;
        if (!reading && bytes <= LIMIT / 2) {
            reading = true;
            channel.config().setAutoRead(true);
        }
        return n;
    }

    /** Releases every buffer still queued. */
    void clear() {
        for (ByteBuf data; (data = buffers.poll()) != null; ) {
            data.release();
        }
        bytes = 0;
    }

    /**
     * Turns reading back on if the queue had paused it: a connection going back to the pool must
     * still see the backend's close while it is idle.
     */
    void resumeReading() {
        if (!reading) {
            reading = true;
            channel.config().setAutoRead(true);
        }
    }

    /** The most bytes this answer ever held queued (tests: back-pressure). */
    int peakBytes() {
        return peakBytes;
    }
}
