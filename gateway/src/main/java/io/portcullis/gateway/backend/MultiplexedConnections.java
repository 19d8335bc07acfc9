package io.portcullis.gateway.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.portcullis.gateway.backend.NettyUpstreamPool.Address;
import io.portcullis.gateway.backend.NettyUpstreamPool.Connection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP/2 connections to the backends that speak it in clear text with prior knowledge
 * ({@code gateway.upstream.h2c-hosts}, RFC 9113 section 3.3), for {@link NettyUpstreamPool}: each call
 * is a stream of its own on a shared connection, so ten thousand open streams to one backend hold
 * a few sockets rather than ten thousand.
 *
 * <p>A stream is a child channel that speaks the same request and answer objects as an HTTP/1.1
 * connection ({@link Http2StreamFrameToHttpObjectCodec}), so the exchange on it, its timeouts,
 * back-pressure (the stream's flow-control window stops moving while its queue is full) and
 * cancellation (closing the stream resets it) are those of any other call. A connection takes as
 * many streams as its backend's {@code SETTINGS_MAX_CONCURRENT_STREAMS} allows (100 until it has
 * said), then another connection is opened; streams beyond the limit that a race lets through wait
 * in the connection's encoder rather than fail. Connections are looked for on the caller's event
 * loop first, as kept-alive ones are. A connection without streams for
 * {@link NettyUpstreamPool#MAX_IDLE} is closed; one the backend is shutting down ({@code GOAWAY})
 * takes no new stream.
 */
final class MultiplexedConnections implements AutoCloseable {

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

    private final Bootstrap bootstrap;
    private final int maxHeadBytes;
    private final Map<Slot, Queue<Shared>> connections = new ConcurrentHashMap<>();
    /** The stream limit each backend gave last: a new connection to it starts from that, not from the assumption. */
    private final Map<Address, Integer> limits = new ConcurrentHashMap<>();
    /** One lock per address, held while a connection to it is set up (not while it connects). */
    private final Map<Address, Object> opening = new ConcurrentHashMap<>();

    private record Slot(Address address, EventLoop loop) {
    }

    /** One connection and its streams. */
    private static final class Shared {
        final Channel channel;
        /** Its connect: streams may be reserved on a connection still being opened, and wait for it. */
        final ChannelFuture connected;
        final AtomicInteger streams = new AtomicInteger();
        volatile int maxStreams = ASSUMED_MAX_STREAMS;
        volatile boolean goingAway;
        volatile long idleSinceNanos = System.nanoTime();

        Shared(ChannelFuture connected, int maxStreams) {
            this.channel = connected.channel();
            this.connected = connected;
            this.maxStreams = maxStreams;
        }

        /**
         * Takes a stream if the connection has room for one more. A connection still being opened
         * counts: a burst of first calls shares one connection rather than opening one each.
         */
        boolean reserve() {
            while (channel.isOpen() && !goingAway) {
                int open = streams.get();
                if (open >= maxStreams) {
                    return false;
                }
                if (streams.compareAndSet(open, open + 1)) {
                    return true;
                }
            }
            return false;
        }

        void streamClosed() {
            idleSinceNanos = System.nanoTime();
            streams.decrementAndGet();
        }
    }

    MultiplexedConnections(Bootstrap bootstrap, int maxHeadBytes) {
        this.bootstrap = bootstrap;
        this.maxHeadBytes = maxHeadBytes;
    }

    /**
     * A new stream to the address: on a connection with room served by the home loop, else one
     * served by another loop, else on a new connection opened on the home loop. A stream that
     * cannot be opened on a connection that was already open (it closed meanwhile) is opened on a
     * new one. Connections to one address are opened one at a time: a burst of first calls waits
     * for one connection rather than opening one each.
     *
     * @param ip    the address's host, resolved by the caller (never on an event loop)
     * @param home  the caller's event loop, or null for any
     * @param fresh only on a new connection
     */
    Connection open(Address address, java.net.InetAddress ip, EventLoop home, boolean fresh) throws IOException {
        Shared shared = fresh ? null : reserve(address, home);
        if (shared == null && !fresh) {
            Shared opened = null;
            synchronized (opening.computeIfAbsent(address, a -> new Object())) {
                shared = reserve(address, home); // opened by the call before, meanwhile (maybe still connecting)
                if (shared == null) {
                    opened = connect(address, ip, home); // returns once the connect has started
                }
            }
            if (opened != null) {
                return stream(address, opened, false);
            }
        }
        if (shared != null) {
            if (!shared.connected.awaitUninterruptibly().isSuccess()) {
                shared.streamClosed(); // another call's connect, which failed: as this call's would
                throw NettyUpstreamPool.asIo(shared.connected.cause());
            }
            try {
                return stream(address, shared, true);
            } catch (IOException e) {
                shared.channel.close(); // a connection that cannot open a stream is no use to the next call either
            }
        }
        return stream(address, connect(address, ip, home), false);
    }

    private Shared reserve(Address address, EventLoop home) {
        if (home != null) {
            Shared own = reserve(connections.get(new Slot(address, home)));
            if (own != null) {
                return own;
            }
        }
        for (var slot : connections.entrySet()) {
            if (slot.getKey().address().equals(address) && slot.getKey().loop() != home) {
                Shared other = reserve(slot.getValue());
                if (other != null) {
                    return other;
                }
            }
        }
        return null;
    }

    private static Shared reserve(Queue<Shared> shared) {
        if (shared != null) {
            for (Shared next : shared) {
                if (next.reserve()) {
                    return next;
                }
            }
        }
        return null;
    }

    /** Opens a stream on a connection whose room for it is reserved; the stream's close gives the room back. */
    private Connection stream(Address address, Shared shared, boolean reused) throws IOException {
        if (!shared.connected.awaitUninterruptibly().isSuccess()) {
            shared.streamClosed();
            throw NettyUpstreamPool.asIo(shared.connected.cause());
        }
        var handler = new NettyUpstreamHandler();
        Future<Http2StreamChannel> opening = new Http2StreamChannelBootstrap(shared.channel)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel stream) {
                        stream.pipeline().addLast(handler.arrivals(), new Http2StreamFrameToHttpObjectCodec(false), handler);
                    }
                }).open();
        opening.awaitUninterruptibly();
        if (!opening.isSuccess()) {
            shared.streamClosed();
            throw NettyUpstreamPool.asIo(opening.cause());
        }
        Http2StreamChannel stream = opening.getNow();
        stream.closeFuture().addListener(closed -> shared.streamClosed());
        return new Connection(address, stream, handler, reused);
    }

    /** Opens a connection on the home loop (any loop without one) and reserves one stream on it. */
    private Shared connect(Address address, java.net.InetAddress ip, EventLoop home) throws IOException {
        var holder = new Shared[1];
        ChannelFuture connecting = (home == null ? bootstrap.clone() : bootstrap.clone(home))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
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
                        channel.pipeline().addLast(codec, new Http2MultiplexHandler(refuse),
                                new SettingsWatch(address, holder));
                    }
                }).connect(new InetSocketAddress(ip, address.port()));
        Channel channel = connecting.channel();
        Shared shared = new Shared(connecting, limits.getOrDefault(address, ASSUMED_MAX_STREAMS));
        holder[0] = shared;
        shared.streams.incrementAndGet(); // the caller's
        var slot = new Slot(address, channel.eventLoop());
        connections.computeIfAbsent(slot, s -> new ConcurrentLinkedQueue<>()).add(shared);
        channel.closeFuture().addListener(closed -> {
            Queue<Shared> same = connections.get(slot);
            if (same != null) {
                same.remove(shared);
            }
        });
        return shared; // the stream waits for the connect
    }

    /**
     * Opens the connection's receive window to {@link #CONNECTION_WINDOW} once the preface is out,
     * and reads what the backend says of the connection as a whole: how many streams it takes,
     * and that it is shutting down.
     */
    private final class SettingsWatch extends ChannelInboundHandlerAdapter {
        private final Address address;
        private final Shared[] shared;

        SettingsWatch(Address address, Shared[] shared) {
            this.address = address;
            this.shared = shared;
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
                Shared connection = shared[0];
                if (connection == null) {
                    return;
                }
                if (msg instanceof Http2SettingsFrame settings && settings.settings().maxConcurrentStreams() != null) {
                    int max = (int) Math.min(MAX_STREAMS, settings.settings().maxConcurrentStreams());
                    connection.maxStreams = max;
                    limits.put(address, max);
                } else if (msg instanceof Http2GoAwayFrame) {
                    connection.goingAway = true;
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

    /** Closes the connections without a stream for longer than {@code maxIdleNanos}. */
    void evictIdle(long maxIdleNanos) {
        long now = System.nanoTime();
        for (Queue<Shared> shared : connections.values()) {
            for (Shared next : shared) {
                if (next.streams.get() == 0 && now - next.idleSinceNanos > maxIdleNanos) {
                    next.channel.close();
                }
            }
        }
    }

    /** Connections open now. */
    int openConnections() {
        int n = 0;
        for (Queue<Shared> shared : connections.values()) {
            n += shared.size();
        }
        return n;
    }

    @Override
    public void close() {
        for (Queue<Shared> shared : connections.values()) {
            for (Shared next : shared) {
                next.channel.close();
            }
        }
    }
}
