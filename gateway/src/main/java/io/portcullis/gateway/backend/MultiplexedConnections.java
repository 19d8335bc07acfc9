package io.portcullis.gateway.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.portcullis.gateway.backend.NettyUpstreamPool.Address;
import io.portcullis.gateway.backend.NettyUpstreamPool.Connection;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * HTTP/2 connections to the backends that speak it ({@code gateway.upstream.http2-hosts}: over TLS
 * agreed by ALPN, in clear text with prior knowledge, RFC 9113 section 3.3), for
 * {@link NettyUpstreamPool}: each call is a stream of its own on a shared {@link Http2Connection},
 * so ten thousand open streams to one backend hold a few sockets rather than ten thousand.
 *
 * <p>The exchange on a stream, its timeouts, back-pressure (the stream's flow-control window stops
 * moving while its queue is full) and cancellation (closing the stream resets it) are those of any
 * other call. A connection takes as many streams as its backend's
 * {@code SETTINGS_MAX_CONCURRENT_STREAMS} allows (100 until it has said, then what it said last, at
 * most {@link Http2Connection#MAX_STREAMS}), then another connection is opened; streams beyond the
 * limit that a race lets through wait in the connection's encoder rather than fail. Connections
 * are looked for on the caller's event loop first, as kept-alive ones are. A connection without
 * streams for {@link NettyUpstreamPool#MAX_IDLE} is closed; one the backend is shutting down
 * ({@code GOAWAY}) takes no new stream.
 */
final class MultiplexedConnections implements AutoCloseable {

    private final Bootstrap bootstrap;
    /** Built at the first {@code https} connection, on the caller's thread. */
    private final Supplier<SslContext> tls;
    private final int maxHeadBytes;
    private final Map<Slot, Queue<Http2Connection>> connections = new ConcurrentHashMap<>();
    /** The stream limit each backend gave last: a new connection to it starts from that, not from the assumption. */
    private final Map<Address, Integer> limits = new ConcurrentHashMap<>();
    /** One lock per address, held while a connection to it is set up (not while it connects). */
    private final Map<Address, Object> opening = new ConcurrentHashMap<>();

    private record Slot(Address address, EventLoop loop) {
    }

    MultiplexedConnections(Bootstrap bootstrap, Supplier<SslContext> tls, int maxHeadBytes) {
        this.bootstrap = bootstrap;
        this.tls = UpstreamTls.once(tls);
        this.maxHeadBytes = maxHeadBytes;
    }

    /**
     * A new stream to the address: on a connection with room served by the home loop, else one
     * served by another loop, else on a new connection opened on the home loop. A stream that
     * cannot be opened on a connection that was already open (it closed meanwhile) is opened on a
     * new one. Connections to one address are opened one at a time: a burst of first calls waits
     * for one connection rather than opening one each.
     *
     * @param home  the caller's event loop, or null for any
     * @param fresh only on a new connection
     */
    Connection open(Address address, EventLoop home, boolean fresh) throws IOException {
        if (!fresh) {
            Http2Connection shared = reserve(address, home);
            if (shared == null) {
                Http2Connection opened;
                synchronized (opening.computeIfAbsent(address, a -> new Object())) {
                    shared = reserve(address, home); // opened by the call before, meanwhile (maybe still connecting)
                    opened = shared == null ? connect(address, home) : null; // returns once the connect has started
                }
                if (opened != null) {
                    return opened.stream(address, false);
                }
            }
            try {
                return shared.stream(address, true);
            } catch (IOException e) {
                if (shared.failedToConnect()) {
                    throw e; // another call's connect, which failed: as this call's would
                }
                shared.channel().close(); // a connection that cannot open a stream is no use to the next call either
            }
        }
        return connect(address, home).stream(address, false);
    }

    private Http2Connection reserve(Address address, EventLoop home) {
        if (home != null) {
            Http2Connection own = reserve(connections.get(new Slot(address, home)));
            if (own != null) {
                return own;
            }
        }
        for (var slot : connections.entrySet()) {
            if (slot.getKey().address().equals(address) && slot.getKey().loop() != home) {
                Http2Connection other = reserve(slot.getValue());
                if (other != null) {
                    return other;
                }
            }
        }
        return null;
    }

    private static Http2Connection reserve(Queue<Http2Connection> shared) {
        if (shared != null) {
            for (Http2Connection next : shared) {
                if (next.reserve()) {
                    return next;
                }
            }
        }
        return null;
    }

    /**
     * Starts a connection on the home loop (any loop without one), with one stream reserved on it.
     * Resolves the host here, on the caller's thread (never an event loop), and only for a new connection.
     */
    private Http2Connection connect(Address address, EventLoop home) throws IOException {
        InetAddress ip = InetAddress.getByName(address.host());
        var connection = Http2Connection.open(bootstrap, address.tls() ? tls.get() : null, address, ip, home,
                limits.getOrDefault(address, Http2Connection.ASSUMED_MAX_STREAMS), maxHeadBytes,
                max -> limits.put(address, max));
        var slot = new Slot(address, connection.channel().eventLoop());
        connections.computeIfAbsent(slot, s -> new ConcurrentLinkedQueue<>()).add(connection);
        connection.channel().closeFuture().addListener(closed -> {
            Queue<Http2Connection> same = connections.get(slot);
            if (same != null) {
                same.remove(connection);
            }
        });
        return connection;
    }

    /**
     * Closes the connections without a stream for longer than {@code maxIdleNanos}. A call that
     * took a stream on one meanwhile finds it closed without an answer, and is retried on a new one.
     */
    void evictIdle(long maxIdleNanos) {
        long now = System.nanoTime();
        for (Queue<Http2Connection> shared : connections.values()) {
            for (Http2Connection next : shared) {
                if (next.idleLongerThan(maxIdleNanos, now)) {
                    next.channel().close();
                }
            }
        }
    }

    /** Connections open now. */
    int openConnections() {
        int n = 0;
        for (Queue<Http2Connection> shared : connections.values()) {
            n += shared.size();
        }
        return n;
    }

    @Override
    public void close() {
        for (Queue<Http2Connection> shared : connections.values()) {
            for (Http2Connection next : shared) {
                next.channel().close();
            }
        }
    }
}
