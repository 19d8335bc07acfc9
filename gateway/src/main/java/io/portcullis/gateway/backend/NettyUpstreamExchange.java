package io.portcullis.gateway.backend;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.portcullis.gateway.backend.NettyUpstreamPool.Connection;
import io.portcullis.gateway.backend.UpstreamClient.UpstreamAnswer;
import java.io.IOException;

/**
 * One request and its answer on one {@link NettyUpstreamPool.Connection}: the event loop delivers
 * the answer's head and body ({@link NettyUpstreamHandler}), which this exchange sorts from interim
 * answers and broken framing; the caller's virtual thread waits for the head, then reads the body
 * ({@link AnswerHandoff}, where both sides meet, through a small queue of buffers that pauses the
 * connection's reading while it is full, so a slow client makes the backend wait rather than the
 * gateway buffer its whole stream). Closed, the exchange gives its connection back to the pool or
 * closes it.
 *
 * <p>Timeouts are the caller's {@link CallWatch}: cancelling closes the channel, which wakes
 * whoever waits here with a failure.
 */
final class NettyUpstreamExchange implements UpstreamAnswer {

    private final Connection connection;
    private final NettyUpstreamPool pool;
    private final CallSweeper sweeper;
    private final CallWatch watch;
    private final AnswerHandoff handoff;
    private final UpstreamBody body;

    /** Whether the parts decoded now belong to an interim 1xx answer. Written and read on the event loop. */
    private boolean skippingInterim;
    /** The write of the request's last part; null until it is sent (never, for an upload answered early). */
    private volatile ChannelFuture lastPart;
    private volatile boolean requestKeepAlive = true;

    NettyUpstreamExchange(Connection connection, NettyUpstreamPool pool, CallSweeper sweeper, CallWatch watch,
                  long idleNanos, long backstopNanos) {
        this.connection = connection;
        this.pool = pool;
        this.sweeper = sweeper;
        this.watch = watch;
        this.handoff = new AnswerHandoff(connection.channel(), backstopNanos);
        this.body = new UpstreamBody(handoff.body(), watch, idleNanos);
    }

    Channel channel() {
        return connection.channel();
    }

    void lastPart(ChannelFuture written) {
        lastPart = written;
    }

    void requestKeepAlive(boolean keepAlive) {
        requestKeepAlive = keepAlive;
    }

    // ---- the event loop's side

    /** Some bytes of the answer came off the socket (before the codec: {@link NettyUpstreamHandler#arrivals()}). */
    void bytesArrived() {
        handoff.bytesArrived();
    }

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
                    handoff.head(response);
                }
            }
            if (msg instanceof HttpContent content) {
                if (skippingInterim) {
                    skippingInterim = !(content instanceof LastHttpContent);
                    return;
                }
                handoff.queue(content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** The connection's current read is over: the waiter learns of everything it brought, in one wake-up. */
    void readComplete() {
        handoff.readComplete();
    }

    /** The connection closed: unless the answer had ended, whoever waits learns why. */
    void connectionClosed() {
        handoff.connectionClosed();
    }

    void failed(IOException cause) {
        handoff.failed(cause);
    }

    /** Writability changed: an upload waiting for room looks again. */
    void wake() {
        handoff.wake();
    }

    // ---- the caller's side

    /** Waits for the answer's head ({@link AnswerHandoff#awaitHead}). */
    void awaitHead() throws IOException {
        handoff.awaitHead();
    }

    /**
     * Waits until the connection takes more of an upload.
     *
     * @return false when the answer's head has already arrived: the backend answered early (413,
     *         401...), the rest of the body is not sent
     */
    boolean awaitWritable() throws IOException {
        return handoff.awaitWritable();
    }

    /** The most bytes this answer ever held queued (tests: back-pressure). */
    int peakQueuedBytes() {
        return handoff.peakQueuedBytes();
    }

    @Override
    public int status() {
        return handoff.head().status().code();
    }

    @Override
    public String header(String name) {
        return handoff.head().headers().get(name);
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
        AnswerHandoff.Closing closing = handoff.close();
        if (closing == AnswerHandoff.Closing.ALREADY) {
            return;
        }
        boolean answered = closing == AnswerHandoff.Closing.READ_WHOLE && requestKeepAlive;
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
        handoff.resumeReading();
        pool.release(connection);
    }
}
