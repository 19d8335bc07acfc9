package io.portcullis.gateway.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@link NettyUpstreamClient}'s keep-alive connections: per address, idle ones are taken last in,
 * first out (the warmest stay busy, the rest expire); one permit per open connection bounds them
 * per address and in all ({@code gateway.upstream.max-connections}). A connection the backend
 * closes while idle leaves the pool at once (its close frees the permit); one found dead when
 * taken is skipped.
 *
 * <p>A caller may name a <em>home</em> event loop: the one that serves its client's connection. It
 * then gets an idle connection served by that loop if there is one, and a new connection is opened
 * on it; only then one idle on another loop. Request and answer then move through one loop: no
 * write crosses to another loop's task queue and wakes it (docs/performance.md, "Eighth pass").
 */
final class NettyUpstreamPool implements AutoCloseable {

    /** Longest a connection sits unused before it is closed (as the Apache client did). */
    static final Duration MAX_IDLE = Duration.ofSeconds(10);
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    /** How often a caller waiting for a permit looks for an idle connection handed back meanwhile. */
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /**
     * An answer's headers are only looked up by the names the gateway knows, never listed, and a
     * value passed on to a client is checked again where it is set; so the names are not checked
     * char by char as each answer is decoded. Values still are.
     */
    private static final HttpHeadersFactory ANSWER_HEADERS =
            DefaultHttpHeadersFactory.headersFactory().withNameValidation(false);

    /** Where connections go: one pool each. */
    record Address(boolean tls, String host, int port) {
        static Address of(URI uri) throws IOException {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new IOException("not an http(s) URL with a host: " + uri);
            }
            boolean tls = scheme.equals("https");
            return new Address(tls, uri.getHost(), uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80);
        }

        /** The host without an IPv6 literal's brackets. */
        String bareHost() {
            return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        }
    }

    /** One open connection and the handler that feeds its current exchange. */
    record Connection(Address address, Channel channel, NettyUpstreamHandler handler, boolean reused) {
    }

    private record Idle(Connection connection, long sinceNanos) {
    }

    /** The idle connections to one address served by one event loop. */
    private record Slot(Address address, EventLoop loop) {
        static Slot of(Connection connection) {
            return new Slot(connection.address(), connection.channel().eventLoop());
        }
    }

    private final Bootstrap bootstrap;
    /** Built at the first TLS connection, on the caller's thread: most deployments never call https. */
    private final Supplier<SslContext> tls;
    private final Semaphore permits;
    private final int maxConnections;
    private final long connectNanos;
    private final Map<Slot, Deque<Idle>> idle = new ConcurrentHashMap<>();
    private final Http2Hosts http2;
    private final MultiplexedConnections multiplexed;

    NettyUpstreamPool(Bootstrap bootstrap, Supplier<SslContext> tls, int maxConnections, Duration connectTimeout) {
        this(bootstrap, tls, () -> null, maxConnections, connectTimeout, Http2Hosts.NONE);
    }

    /**
     * @param tls       the TLS context of HTTP/1.1 connections, built at the first one
     * @param http2Tls  the TLS context that negotiates HTTP/2 (ALPN), built at the first such connection
     * @param http2     the backends that speak HTTP/2
     */
    NettyUpstreamPool(Bootstrap bootstrap, Supplier<SslContext> tls, Supplier<SslContext> http2Tls,
                      int maxConnections, Duration connectTimeout, Http2Hosts http2) {
        this.bootstrap = bootstrap;
        this.tls = UpstreamTls.once(tls);
        this.http2 = http2;
        this.multiplexed = new MultiplexedConnections(bootstrap, http2Tls, MAX_HEAD_BYTES);
        this.permits = new Semaphore(maxConnections);
        this.maxConnections = maxConnections;
        this.connectNanos = connectTimeout.toNanos();
    }

    /**
     * A kept-alive connection to the address, or a new one; for a backend that speaks HTTP/2
     * ({@link Http2Hosts}), a new stream on a shared connection, which holds a permit as
     * a connection does.
     *
     * @param home the event loop a new connection is opened on and an idle one is first looked for
     *     on; null for any of the bootstrap's loops
     * @param fresh only a new connection (a retry after a reused one turned out closed)
     * @throws NoFreeConnectionException none became free within the connect timeout
     */
    Connection acquire(Address address, EventLoop home, boolean fresh) throws IOException {
        long deadline = System.nanoTime() + connectNanos;
        boolean streams = http2.speaksHttp2(address);
        while (true) {
            Connection kept = fresh || streams ? null : takeIdle(address, home);
            if (kept != null) {
                return kept;
            }
            if (permits.tryAcquire()) {
                return open(address, home, streams, fresh);
            }
            evictOneIdle(); // an idle connection elsewhere gives way to a call that needs one here
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new NoFreeConnectionException("no free connection to " + address.host() + ":"
                        + address.port() + " within the connect timeout");
            }
            try {
                if (permits.tryAcquire(Math.min(left, RECHECK_NANOS), TimeUnit.NANOSECONDS)) {
                    return open(address, home, streams, fresh);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for a connection");
            }
        }
    }

    /**
     * An idle connection to the address: one served by the home loop, else (a new one on the home
     * loop needs a permit that may be scarce, and a handshake) one served by any other.
     */
    private Connection takeIdle(Address address, EventLoop home) {
        if (home != null) {
            Connection kept = takeIdle(idle.get(new Slot(address, home)));
            if (kept != null) {
                return kept;
            }
        }
        for (var slot : idle.entrySet()) {
            if (slot.getKey().address().equals(address) && slot.getKey().loop() != home) {
                Connection kept = takeIdle(slot.getValue());
                if (kept != null) {
                    return kept;
                }
            }
        }
        return null;
    }

    private static Connection takeIdle(Deque<Idle> waiting) {
        if (waiting == null) {
            return null;
        }
        for (Idle next; (next = waiting.pollFirst()) != null; ) {
            if (next.connection.channel().isActive()) {
                var c = next.connection;
                return new Connection(c.address(), c.channel(), c.handler(), true);
            }
            next.connection.channel().close(); // dead: its close frees its permit
        }
        return null;
    }

    /** Opens a connection or stream under a permit already taken; its close gives the permit back. */
    private Connection open(Address address, EventLoop home, boolean stream, boolean fresh) throws IOException {
        if (!stream) {
            return open(address, home);
        }
        Connection opened;
        try {
            opened = multiplexed.open(address, home, fresh);
        } catch (IOException | RuntimeException e) {
            permits.release();
            throw e;
        }
        opened.channel().closeFuture().addListener(closed -> permits.release());
        return opened;
    }

    private Connection open(Address address, EventLoop home) throws IOException {
        ChannelFuture connecting = null;
        try {
            InetAddress ip = InetAddress.getByName(address.host()); // on the caller's thread, never an event loop
            SslContext context = address.tls() ? tls.get() : null;
            var handler = new NettyUpstreamHandler();
            connecting = (home == null ? bootstrap.clone() : bootstrap.clone(home)).handler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel channel) {
                    if (address.tls()) {
                        channel.pipeline().addLast(context.newHandler(channel.alloc(), address.bareHost(), address.port()));
                    }
                    var decoding = new HttpDecoderConfig().setMaxInitialLineLength(MAX_HEAD_BYTES)
                            .setMaxHeaderSize(MAX_HEAD_BYTES).setHeadersFactory(ANSWER_HEADERS);
                    channel.pipeline().addLast(handler.arrivals(), new HttpClientCodec(decoding, false, false), handler);
                }
            }).connect(new InetSocketAddress(ip, address.port()));
            Channel channel = connecting.channel();
            channel.closeFuture().addListener(closed -> closed(address, channel));
            connecting.awaitUninterruptibly();
            if (!connecting.isSuccess()) {
                throw asIo(connecting.cause());
            }
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            if (ssl != null && !ssl.handshakeFuture().awaitUninterruptibly().isSuccess()) {
                channel.close();
                throw asIo(ssl.handshakeFuture().cause());
            }
            return new Connection(address, channel, handler, false);
        } catch (IOException | RuntimeException e) {
            if (connecting == null) {
                permits.release(); // no channel whose close would give it back
            }
            throw e;
        }
    }

    /**
     * Hands a connection whose exchange ended cleanly back for the next call, or closes it when a
     * caller is waiting for a permit (it then opens its own).
     */
    void release(Connection connection) {
        Channel channel = connection.channel();
        if (channel instanceof Http2StreamChannel || !channel.isActive() || permits.hasQueuedThreads()) {
            // a stream is over with its exchange; closing it after both ends are done sends nothing
            channel.close();
            return;
        }
        Deque<Idle> waiting = idle.computeIfAbsent(Slot.of(connection), a -> new ConcurrentLinkedDeque<>());
        var entry = new Idle(connection, System.nanoTime());
        waiting.offerFirst(entry);
        if (!channel.isActive()) {
            waiting.remove(entry); // closed meanwhile, its listener may have looked before it was here
        }
    }

    private void closed(Address address, Channel channel) {
        for (var slot : idle.entrySet()) {
            if (slot.getKey().address().equals(address)) {
                slot.getValue().removeIf(i -> i.connection.channel() == channel);
            }
        }
        permits.release();
    }

    private void evictOneIdle() {
        for (Deque<Idle> waiting : idle.values()) {
            Idle oldest = waiting.pollLast();
            if (oldest != null) {
                oldest.connection.channel().close();
                return;
            }
        }
    }

    /** Closes the connections unused for longer than {@link #MAX_IDLE}: the oldest are at each tail. */
    void evictExpired() {
        multiplexed.evictIdle(MAX_IDLE.toNanos());
        long now = System.nanoTime();
        for (Deque<Idle> waiting : idle.values()) {
            for (Idle oldest; (oldest = waiting.peekLast()) != null
                    && now - oldest.sinceNanos > MAX_IDLE.toNanos(); ) {
                if (waiting.removeLastOccurrence(oldest)) {
                    oldest.connection.channel().close();
                }
            }
        }
    }

    /** Connections open now, idle or busy. */
    int openConnections() {
        return maxConnections - permits.availablePermits();
    }

    /** HTTP/2 connections open now; their streams count among {@link #openConnections()}. */
    int http2Connections() {
        return multiplexed.openConnections();
    }

    /** Connections idle in the pool now. */
    int idleConnections() {
        int n = 0;
        for (Deque<Idle> waiting : idle.values()) {
            n += waiting.size();
        }
        return n;
    }

    @Override
    public void close() {
        multiplexed.close();
        for (Deque<Idle> waiting : idle.values()) {
            for (Idle next; (next = waiting.pollFirst()) != null; ) {
                next.connection.channel().close();
            }
        }
    }

    static IOException asIo(Throwable cause) {
        Throwable root = cause;
        while (!(root instanceof IOException) && root != null && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root instanceof IOException io ? io : new IOException(cause);
    }
}
