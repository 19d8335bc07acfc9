package io.portcullis.gateway.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.portcullis.gateway.backend.NettyUpstreamPool.Address;
import io.portcullis.gateway.backend.NettyUpstreamPool.Connection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * One HTTP/2 connection to a backend and the streams open on it ({@link MultiplexedConnections}):
 * its setup (TLS agreeing on {@code h2} by ALPN, or clear text with prior knowledge), what the
 * backend says of it (how many streams it takes, {@code GOAWAY}), and its streams, each a child
 * channel that speaks the same request and answer objects as an HTTP/1.1 connection
 * ({@link Http2StreamFrameToHttpObjectCodec}).
 */
final class Http2Connection {

    /** Streams a connection is given until its backend's settings say how many it takes (RFC 9113 suggests at least 100). */
    static final int ASSUMED_MAX_STREAMS = 100;
    /** The most streams put on one connection, whatever the backend allows: see {@link #CONNECTION_WINDOW}. */
    static final int MAX_STREAMS = 256;
    /**
     * The connection's receive window: what all its streams may hold unread at once. A stream whose
     * client reads slowly stops reading (its queue is full) and holds up to its own window of data
     * unread, which counts against the connection's window too; with HTTP/2's default (64 KiB for
     * the whole connection) one slow client would stall every other stream sharing it. Every
     * stream's window fits in this one, so none can: at most {@link #MAX_STREAMS} × 64 KiB (16 MiB) is
     * held per connection, what as many HTTP/1.1 connections may hold in their queues.
     */
    static final int CONNECTION_WINDOW = MAX_STREAMS * Http2CodecUtil.DEFAULT_WINDOW_SIZE;

    private final Channel channel;
    /**
     * Done once the connection can carry streams: connected, and over TLS once the handshake agreed
     * on {@code h2}. Streams may be reserved on a connection still being opened, and wait for this.
     */
    private final ChannelFuture ready;
    private final ConnectionWatch watch;
    private final AtomicInteger streams = new AtomicInteger(1); // the stream of the call that opened it
    private volatile long idleSinceNanos = System.nanoTime();

    private Http2Connection(ChannelFuture connecting, Address address, ConnectionWatch watch) {
        this.channel = connecting.channel();
        this.ready = ready(connecting, address);
        this.watch = watch;
    }

    /**
     * Starts opening a connection on the home loop (any loop when null), with one stream reserved
     * for the caller; returns once the connect has started.
     *
     * @param tls          the context that negotiates {@code h2}, or null for clear text
     * @param maxStreams   streams assumed until the backend says
     * @param limitLearned told each stream limit the backend announces
     */
    static Http2Connection open(Bootstrap bootstrap, SslContext tls, Address address, InetAddress ip, EventLoop home,
                                int maxStreams, int maxHeadBytes, IntConsumer limitLearned) {
        var watch = new ConnectionWatch(Math.min(maxStreams, MAX_STREAMS), limitLearned);
        ChannelFuture connecting = (home == null ? bootstrap.clone() : bootstrap.clone(home))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        if (tls != null) {
                            // the codec's preface waits in the TLS handler until the handshake is over
                            channel.pipeline().addLast(tls.newHandler(channel.alloc(), address.bareHost(), address.port()));
                        }
                        var codec = Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false)
                                        .maxHeaderListSize(maxHeadBytes))
                                // a stream a race lets past the backend's limit waits instead of failing
                                .encoderEnforceMaxConcurrentStreams(true)
                                .build();
                        // the backend may not open streams (push is off): any it tries is closed at once
                        var refuse = new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.close();
                            }
                        };
                        channel.pipeline().addLast(codec, new Http2MultiplexHandler(refuse), watch);
                    }
                }).connect(new InetSocketAddress(ip, address.port()));
        return new Http2Connection(connecting, address, watch);
    }

    Channel channel() {
        return channel;
    }

    /**
     * Takes a stream if the connection has room for one more. A connection still being opened
     * counts: a burst of first calls shares one connection rather than opening one each.
     */
    boolean reserve() {
        while (channel.isOpen() && !watch.goingAway) {
            int open = streams.get();
            if (open >= watch.maxStreams) {
                return false;
            }
            if (streams.compareAndSet(open, open + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Gives back a reserved stream: one never opened, or one that closed. */
    private void giveBack() {
        idleSinceNanos = System.nanoTime();
        streams.decrementAndGet();
    }

    /** Whether the connection itself never came up (connect, handshake or ALPN failed). */
    boolean failedToConnect() {
        return ready.isDone() && !ready.isSuccess();
    }

    /** Whether the connection has had no stream for longer than {@code nanos}. */
    boolean idleLongerThan(long nanos, long nowNanos) {
        return streams.get() == 0 && nowNanos - idleSinceNanos > nanos;
    }

    /**
     * Opens the stream reserved for the caller, once the connection is ready; the stream's close
     * gives its room back.
     *
     * @param reused whether the connection was open before this call (a stream closed without an
     *               answer may then be retried on a new one)
     */
    Connection stream(Address address, boolean reused) throws IOException {
        if (!ready.awaitUninterruptibly().isSuccess()) {
            giveBack();
            throw NettyUpstreamPool.asIo(ready.cause());
        }
        var handler = new NettyUpstreamHandler();
        Future<Http2StreamChannel> opening = new Http2StreamChannelBootstrap(channel)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel stream) {
                        stream.pipeline().addLast(handler.arrivals(), new Http2StreamFrameToHttpObjectCodec(false), handler);
                    }
                }).open();
        opening.awaitUninterruptibly();
        if (!opening.isSuccess()) {
            giveBack();
            throw NettyUpstreamPool.asIo(opening.cause());
        }
        Http2StreamChannel stream = opening.getNow();
        stream.closeFuture().addListener(closed -> giveBack());
        return new Connection(address, stream, handler, reused);
    }

    /** Done when the connect is, and over TLS when the handshake is and has agreed on {@code h2}. */
    private static ChannelFuture ready(ChannelFuture connecting, Address address) {
        Channel channel = connecting.channel();
        ChannelPromise ready = channel.newPromise();
        connecting.addListener(connected -> {
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            if (!connected.isSuccess() || ssl == null) {
                complete(connected, ready);
                return;
            }
            ssl.handshakeFuture().addListener(handshake -> {
                if (handshake.isSuccess() && !ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
                    channel.close();
                    ready.tryFailure(new IOException("backend " + address.host() + ":" + address.port()
                            + " did not agree to HTTP/2 (ALPN h2), though gateway.upstream.http2-hosts names it"));
                    return;
                }
                complete(handshake, ready);
            });
        });
        return ready;
    }

    private static void complete(Future<?> done, ChannelPromise ready) {
        if (done.isSuccess()) {
            ready.trySuccess();
        } else {
            ready.tryFailure(done.cause());
        }
    }

    /**
     * Opens the connection's receive window to {@link #CONNECTION_WINDOW} once the preface is out,
     * and reads what the backend says of the connection as a whole: how many streams it takes,
     * and that it is shutting down.
     */
    private static final class ConnectionWatch extends ChannelInboundHandlerAdapter {
        private final IntConsumer limitLearned;
        volatile int maxStreams;
        volatile boolean goingAway;

        ConnectionWatch(int maxStreams, IntConsumer limitLearned) {
            this.maxStreams = maxStreams;
            this.limitLearned = limitLearned;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // the codec before this handler has sent the preface; a window update without a stream is the connection's
            ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE));
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2SettingsFrame settings && settings.settings().maxConcurrentStreams() != null) {
                    int max = (int) Math.min(MAX_STREAMS, settings.settings().maxConcurrentStreams());
                    maxStreams = max;
                    limitLearned.accept(max);
                } else if (msg instanceof Http2GoAwayFrame) {
                    goingAway = true;
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a connection-level failure: its streams learn of it as they close
        }
    }
}
