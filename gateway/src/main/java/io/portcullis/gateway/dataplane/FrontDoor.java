package io.portcullis.gateway.dataplane;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.RelaySecret;
import io.portcullis.gateway.web.RequestIdFilter;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection's front door, after the HTTP/1.1 codec: per request head it decides the
 * request id and the client's address, picks the {@link Route} (the client API's own paths on the
 * data plane, anything else the fallback) and hands it the body. One request at a time: what a
 * client pipelines behind a request waits, unread, until that request is answered. Everything here
 * runs on the connection's event loop.
 */
final class FrontDoor extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(FrontDoor.class);

    private final ClientApiRoute clientApi;
    private final Route fallback;
    private final ClientAddress addresses;
    private final long idleNanos;
    private final InFlight inFlight;

    /** Messages that arrived behind a request that is not answered yet, in order. */
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    /** The request being served (head seen, not answered), or null. */
    private RequestSink current;
    /** Whether the current request's body is still arriving. */
    private boolean bodyOpen;
    /**
     * Whether the rest of an answered request's body is being dropped as it arrives, so that the
     * connection can carry the next request (the route judged it small: {@link NettyExchange}).
     */
    private boolean skippingBody;
    /** Counts requests, so that a late {@code answered} of an earlier one changes nothing. */
    private long serial;
    private ScheduledFuture<?> idle;
    /** Answered with {@code Connection: close} while the body still came: read and dropped until it ends. */
    private boolean lingering;
    private long lingered;
    static final long LINGER_BYTES = 2L * 1024 * 1024;
    static final long LINGER_MILLIS = 2_000;

    FrontDoor(ClientApiRoute clientApi, Route fallback, ClientAddress addresses, long idleNanos,
              InFlight inFlight) {
        this.clientApi = clientApi;
        this.fallback = fallback;
        this.addresses = addresses;
        this.idleNanos = idleNanos;
        this.inFlight = inFlight;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        awaitHead(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            linger(ctx, msg);
            return;
        }
        if ((current != null && !bodyOpen) || !waiting.isEmpty()) {
            // a pipelined request: it is read once the one before it is answered
            waiting.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        handle(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        readComplete();
        ctx.fireChannelReadComplete();
    }

    /** What has been read so far has all gone to the current request's sink. */
    private void readComplete() {
        if (current != null) {
            current.readComplete();
        }
    }

    private void handle(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest head) {
            begin(ctx, head);
        }
        if (msg instanceof HttpContent part) {
            body(ctx, part);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest head) {
        cancelIdle();
        if (head.decoderResult().isFailure()) {
            refuse(ctx, head.decoderResult().cause());
            return;
        }
        String sent = head.headers().get(RequestIdFilter.HEADER);
        String requestId = RequestIdFilter.isAcceptable(sent) ? sent : RequestIdFilter.generate();
        String client = addresses.of(ctx.channel().remoteAddress(), head.headers());
        String uri = head.uri();
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        Route route = clientApi != null && clientApi.serves(path) ? clientApi : fallback;
        if (route == fallback) {
            // what a trusted proxy said of the scheme, decided here as the address is; a client's own
            // value of this header is replaced (Tomcat believes it only with the relay's secret)
            head.headers().set(RelaySecret.SCHEME_HEADER, addresses.scheme(ctx.channel().remoteAddress(), head.headers()));
        }
        long request = ++serial;
        boolean wantsKeepAlive = HttpUtil.isKeepAlive(head);
        bodyOpen = true;
        inFlight.begin();
        current = route.begin(ctx.channel(), head, client, requestId,
                keep -> ctx.executor().execute(() -> answered(ctx, request, keep && wantsKeepAlive)));
    }

    private void body(ChannelHandlerContext ctx, HttpContent part) {
        if (part.decoderResult().isFailure()) {
            if (!skippingBody && current != null && current.answersBrokenBody() && bodyOpen) {
                // a broken chunk on the client API: its reader answers 400, then the connection closes
                bodyOpen = false;
                current.content(part);
                return;
            }
            // the rest of the stream cannot be framed; closing tells the route
            part.release();
            ctx.close();
            return;
        }
        boolean last = part instanceof LastHttpContent;
        if (skippingBody) {
            part.release();
            if (last) {
                skippingBody = false;
                bodyOpen = false;
                next(ctx);
            }
            return;
        }
        if (current == null || !bodyOpen) {
            part.release(); // the body of a request already answered (and so closing) or refused
            return;
        }
        if (last) {
            // The next request waits for this answer, but reading is not paused here: pausing and
            // resuming cost an epoll_ctl each on every request. Whatever a pipelining client sends
            // meanwhile is held in waiting, and only then is reading paused (channelRead).
            bodyOpen = false;
        }
        current.content(part);
    }

    private void answered(ChannelHandlerContext ctx, long request, boolean keep) {
        if (request != serial || current == null || current == RefusedSink.INSTANCE) {
            return;
        }
        current = null;
        inFlight.end();
        if (!keep || inFlight.draining() || !ctx.channel().isActive()) {
            if (bodyOpen && ctx.channel().isActive()) {
                startLingering(ctx);
                return;
            }
            bodyOpen = false;
            ctx.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (bodyOpen) {
            // answered before its (small) body had all come: the next request starts after it;
            // the head's clock bounds how long the rest may take
            skippingBody = true;
            awaitHead(ctx);
            ctx.channel().config().setAutoRead(true);
            ctx.read();
            return;
        }
        next(ctx);
    }

    /**
     * Closes a connection whose answer went out before its body had all come (a 413 refusing a
     * declared length, say) only once the client has stopped sending: closing a socket with unread
     * bytes makes the kernel reset it, and a client still writing its body then loses the answer
     * it was sent ("no bytes"), instead of reading the refusal. Like Tomcat's swallow and nginx's
     * lingering close, at most {@value #LINGER_BYTES} bytes and {@link #LINGER_MILLIS} ms are
     * read and dropped; the answer said {@code Connection: close}, so nothing after it is served.
     */
    private void startLingering(ChannelHandlerContext ctx) {
        lingering = true;
        bodyOpen = false;
        cancelIdle();
        ctx.channel().flush();
        ctx.executor().schedule((Runnable) ctx::close, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        releaseWaiting();
        ctx.channel().config().setAutoRead(true);
        ctx.read();
    }

    private void linger(ChannelHandlerContext ctx, Object msg) {
        boolean done = !(msg instanceof HttpContent) || msg instanceof LastHttpContent;
        if (msg instanceof HttpContent part) {
            lingered += part.content().readableBytes();
        }
        ReferenceCountUtil.release(msg);
        if (done || lingered > LINGER_BYTES) {
            ctx.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void releaseWaiting() {
        Object left;
        while ((left = waiting.poll()) != null) {
            ReferenceCountUtil.release(left);
        }
    }

    /** The connection is free: serve what was pipelined, else read on. */
    private void next(ChannelHandlerContext ctx) {
        awaitHead(ctx);
        Object next;
        while ((current == null || bodyOpen) && (next = waiting.poll()) != null) {
            handle(ctx, next);
        }
        readComplete(); // what was held back was a read of its own
        if (waiting.isEmpty() && (current == null || bodyOpen)) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelIdle();
        releaseWaiting();
        if (current != null) {
            RequestSink gone = current;
            current = null;
            if (gone != RefusedSink.INSTANCE) {
                inFlight.end();
            }
            gone.clientClosed();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Client connection failed; closing it", cause);
        ctx.close();
    }

    /** A head the codec could not take: answered in the contract's shape, then the connection is closed. */
    private void refuse(ChannelHandlerContext ctx, Throwable cause) {
        current = null;
        ApiError error = switch (cause) {
            case TooLongHttpHeaderException e -> ApiError.ofStatus(431, "Request headers are too large");
            case TooLongHttpLineException e -> ApiError.ofStatus(414, "Request line is too long");
            default -> ApiError.invalidRequest("Malformed HTTP request", null);
        };
        ++serial;
        current = RefusedSink.INSTANCE;
        bodyOpen = false;
        ctx.writeAndFlush(ErrorAnswer.of(error, RequestIdFilter.generate(), true));
        startLingering(ctx); // a client still sending its huge head must get to read the refusal
    }

    /** Until a complete head arrives, the connection is on a clock; then the route's own timeouts apply. */
    private void awaitHead(ChannelHandlerContext ctx) {
        cancelIdle();
        idle = ctx.executor().schedule(() -> {
            if (current == null) {
                ctx.close();
            }
        }, idleNanos, TimeUnit.NANOSECONDS);
    }

    private void cancelIdle() {
        if (idle != null) {
            idle.cancel(false);
            idle = null;
        }
    }

    /** Holds the place of a refused request until its connection closes. */
    private enum RefusedSink implements RequestSink {
        INSTANCE;

        @Override
        public void content(HttpContent part) {
            part.release();
        }

        @Override
        public void clientClosed() {
            // nothing was started
        }
    }
}
