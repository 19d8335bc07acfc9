package io.portcullis.bench.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * One keep-alive connection of {@link OpenLoop}, carrying one request at a time. Its
 * {@link AnswerParser} keeps of the answer only what is counted (the status,
 * {@code x-portcullis-overhead-us}, whether the connection stays open) and skips the body; the answer
 * is complete at its last byte, which is when its latency is taken. An answer that closes the
 * connection ({@code Connection: close}, as a 503 may) still counts; the next request then opens a
 * new connection. A connection that closes or fails before the answer is complete, sends bytes that
 * are not an answer, or has none in time (10 s from the send), counts its request as
 * {@code other} and is not used again.
 */
final class OpenLoopConnection extends ChannelInboundHandlerAdapter {

    private final OpenLoop owner;
    private final AnswerParser parser = new AnswerParser();
    /** What arrived and is not parsed yet (a head or chunk line split across reads). */
    private final ByteBuf received = Unpooled.buffer(2048);
    private Channel channel;
    private boolean closed;

    // the request on the way: valid while busy
    private boolean busy;
    private long due;
    private long sentAt;
    private boolean measured;
    /** Where {@link OpenLoop} keeps it among the connections waiting for an answer; -1 when not. */
    private int busyIndex = -1;

    OpenLoopConnection(OpenLoop owner) {
        this.owner = owner;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    boolean usable() {
        return !closed && channel.isActive();
    }

    /** Sends the request due at {@code due}; the connection must be idle. */
    void send(long due, boolean measured) {
        this.busy = true;
        this.due = due;
        this.measured = measured;
        this.sentAt = System.nanoTime();
        parser.reset();
        owner.waiting(this);
        channel.writeAndFlush(owner.request(), channel.voidPromise());
    }

    long sentAt() {
        return sentAt;
    }

    int busyIndex() {
        return busyIndex;
    }

    void busyIndex(int index) {
        busyIndex = index;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf bytes = (ByteBuf) msg;
        try {
            if (!busy) {
                return; // bytes nobody asked for (a server's farewell before it closes): dropped
            }
            // most answers arrive whole in one read: parsed where they are, only a remainder is kept
            ByteBuf in = bytes;
            if (received.isReadable()) {
                in = received.writeBytes(bytes);
            }
            boolean complete;
            try {
                complete = parser.parse(in);
            } catch (AnswerParser.Malformed e) {
                ctx.close(); // channelInactive counts the request
                return;
            }
            if (complete) {
                received.clear(); // anything after the answer: nothing was asked for it
                complete(parser.keepAlive());
            } else if (in == bytes) {
                received.writeBytes(bytes);
            } else {
                received.discardSomeReadBytes();
            }
        } finally {
            bytes.release();
        }
    }

    private void complete(boolean keepAlive) {
        busy = false;
        owner.done(this);
        owner.answered(measured, parser.status(), due, parser.overheadMicros());
        if (keepAlive && usable()) {
            owner.idle(this);
        } else {
            closed = true;
            channel.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        if (busy && parser.closed()) {
            complete(false); // a body that ran to the close
        }
        abandon();
        received.release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // channelInactive counts the request
    }

    void timedOut() {
        if (busy) {
            abandon();
            closed = true;
            channel.close();
        }
    }

    private void abandon() {
        if (busy) {
            busy = false;
            owner.done(this);
            owner.failed(measured);
        }
    }
}
