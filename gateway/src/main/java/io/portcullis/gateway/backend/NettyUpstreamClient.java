package io.portcullis.gateway.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContextBuilder;
import io.portcullis.gateway.NettyEventLoops;
import io.portcullis.gateway.NettyTransport;
import io.portcullis.gateway.backend.NettyUpstreamPool.Address;
import io.portcullis.gateway.backend.NettyUpstreamPool.Connection;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The {@link UpstreamClient} on Netty ({@code gateway.upstream.client=netty}, the default): the
 * request's virtual thread writes the request and waits for the answer's head; Netty event loops
 * ({@link NettyEventLoops}: in the gateway the ones it shares with the data plane; a client made
 * alone has a set of its own) do the socket work and
 * feed the body to the caller through a small bounded queue ({@link NettyUpstreamExchange}). Compared
 * with blocking sockets on virtual threads, no read registers with the JDK's poller and wakes a
 * parked thread: the event loop reads whatever is ready for all connections at once.
 *
 * <p>Connections are pooled per address ({@link NettyUpstreamPool}). A kept-alive connection that
 * turns out to have been closed by the backend without a byte of answer is retried once on a new
 * connection, as nothing was processed.
 */
final class NettyUpstreamClient implements UpstreamClient {

    /** The most bytes of an upload written at once; the next waits until the connection has room. */
    static final int UPLOAD_CHUNK = 64 * 1024;

    private final NettyEventLoops loops;
    private final boolean ownsLoops;
    private final ScheduledFuture<?> eviction;
    private final NettyUpstreamPool connections;
    private final CallSweeper sweeper;
    private final long responseNanos;
    private final long idleNanos;
    private final long backstopNanos;

    /** A client with event loops of its own (tests), closed with it. */
    NettyUpstreamClient(UpstreamProperties config) {
        this(config, UpstreamTls::jdkTrust);
    }

    /** As {@link #NettyUpstreamClient(UpstreamProperties)}, trusting what {@code trust} does (tests: a self-signed backend). */
    NettyUpstreamClient(UpstreamProperties config, Supplier<SslContextBuilder> trust) {
        this(config, NettyTransport.Choice.AUTO, trust);
    }

    /** As {@link #NettyUpstreamClient(UpstreamProperties, Supplier)}, its loops on the transport {@code transport} comes to. */
    NettyUpstreamClient(UpstreamProperties config, NettyTransport.Choice transport, Supplier<SslContextBuilder> trust) {
        this(config, new NettyEventLoops(Runtime.getRuntime().availableProcessors(), NettyTransport.of(transport)), true,
                trust);
    }

    /**
     * A client on event loops it shares (the gateway's {@link NettyEventLoops}, with the data plane):
     * closing the client closes its connections, not the loops.
     */
    NettyUpstreamClient(UpstreamProperties config, NettyEventLoops shared) {
        this(config, shared, false, UpstreamTls::jdkTrust);
    }

    private NettyUpstreamClient(UpstreamProperties config, NettyEventLoops loops, boolean ownsLoops,
                                Supplier<SslContextBuilder> trust) {
        this.loops = loops;
        this.ownsLoops = ownsLoops;
        var bootstrap = new Bootstrap().group(loops.group())
                .channel(loops.transport().socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
                // an upload waits while more than this is on its way out
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(UPLOAD_CHUNK, 4 * UPLOAD_CHUNK));
        this.connections = new NettyUpstreamPool(bootstrap, () -> UpstreamTls.context(trust, false),
                () -> UpstreamTls.context(trust, true),
                config.maxConnections(), config.connectTimeout(), Http2Hosts.parse(config.http2Hosts()));
        this.sweeper = new CallSweeper(config);
        this.responseNanos = config.responseTimeout().toNanos();
        this.idleNanos = config.idleTimeout().toNanos();
        // the sweeper enforces both waits; this only bounds a wait it somehow missed
        this.backstopNanos = Math.max(responseNanos, idleNanos) + TimeUnit.SECONDS.toNanos(5);
        this.eviction = loops.group().scheduleWithFixedDelay(connections::evictExpired, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public UpstreamAnswer post(URI uri, byte[] body, String... headers) throws IOException {
        return exchange(uri, headers, (exchange, watch) -> {
            var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, target(uri),
                    Unpooled.wrappedBuffer(body));
            head(request, uri, headers, body.length, "application/json");
            exchange.requestKeepAlive(HttpUtil.isKeepAlive(request));
            send(exchange, request);
        });
    }

    @Override
    public UpstreamAnswer post(URI uri, StreamedBody body, String... headers) throws IOException {
        return exchange(uri, headers, (exchange, watch) -> {
            var request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, target(uri));
            head(request, uri, headers, body.length(), body.contentType());
            exchange.requestKeepAlive(HttpUtil.isKeepAlive(request));
            exchange.channel().writeAndFlush(request).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            var upload = new Upload(exchange);
            try {
                body.writeTo(upload, () -> watch.waiting(idleNanos));
                upload.finish();
            } catch (AnsweredEarly e) {
                // the backend answered before taking the whole body: the answer is relayed, the
                // connection is closed afterwards (its last part was never sent)
            } finally {
                upload.discard();
            }
            watch.waiting(responseNanos);
        });
    }

    @Override
    public UpstreamAnswer send(String method, URI uri, String... headers) throws IOException {
        return exchange(uri, headers, (exchange, watch) -> {
            var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), target(uri),
                    Unpooled.EMPTY_BUFFER);
            head(request, uri, headers, -1, null);
            exchange.requestKeepAlive(HttpUtil.isKeepAlive(request));
            send(exchange, request);
        });
    }

    /** Writes a request's bytes to the exchange's connection. */
    private interface Request {
        void write(NettyUpstreamExchange exchange, CallWatch watch) throws IOException;
    }

    private UpstreamAnswer exchange(URI uri, String[] headers, Request request) throws IOException {
        Address address = Address.of(uri);
        EventLoop home = loops.home();
        var current = new AtomicReference<Channel>();
        var watch = new CallWatch(() -> {
            Channel channel = current.get();
            if (channel != null) {
                channel.close();
            }
        });
        sweeper.watch(watch);
        watch.waiting(responseNanos);
        try {
            for (boolean retry = false; ; retry = true) {
                Connection connection = connections.acquire(address, home, retry);
                current.set(connection.channel());
                var exchange = new NettyUpstreamExchange(connection, connections, sweeper, watch, idleNanos, backstopNanos);
                connection.handler().begin(exchange);
                try {
                    if (watch.timedOut()) {
                        throw new SocketTimeoutException("no answer within the response timeout");
                    }
                    request.write(exchange, watch);
                    exchange.awaitHead();
                    watch.done();
                    return exchange;
                } catch (ClosedWithoutAnswerException e) {
                    exchange.close();
                    if (!connection.reused() || retry || watch.timedOut()) {
                        throw e;
                    }
                    sweeper.watch(watch); // the close above forgot it
                } catch (IOException | RuntimeException e) {
                    exchange.close();
                    throw e;
                }
            }
        } catch (IOException | RuntimeException e) {
            sweeper.forget(watch);
            watch.done();
            if (watch.timedOut()) {
                throw new SocketTimeoutException("no answer within the response timeout");
            }
            throw e;
        }
    }

    /**
     * Writes the request's last part; once it has left, the connection may be reused after the
     * answer ({@link NettyUpstreamExchange#close()} waits for this write when the answer ends first).
     */
    private static void send(NettyUpstreamExchange exchange, Object last) {
        ChannelPromise promise = exchange.channel().newPromise();
        promise.addListener(written -> {
            if (!written.isSuccess()) {
                exchange.channel().close(); // the closed connection tells the waiting caller
            }
        });
        exchange.lastPart(promise);
        exchange.channel().writeAndFlush(last, promise);
    }

    /** The request's path and query as sent: {@code /} when the URL has none. */
    private static String target(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    /** The caller's headers, then Host, Content-Length and Content-Type unless the caller gave them. */
    private static void head(HttpMessage request, URI uri, String[] headers, long length, String contentType)
            throws IOException {
        HttpHeaders out = request.headers();
        try {
            for (int i = 0; i + 1 < headers.length; i += 2) {
                out.add(headers[i], headers[i + 1]);
            }
        } catch (IllegalArgumentException e) {
            // Netty refuses CR/LF and other bytes a header cannot carry: a request that cannot be sent
            throw new IOException("a header cannot be sent: " + e.getMessage(), e);
        }
        if (!out.contains(HttpHeaderNames.HOST)) {
            out.set(HttpHeaderNames.HOST, uri.getPort() >= 0 ? uri.getHost() + ":" + uri.getPort() : uri.getHost());
        }
        if (length >= 0) {
            out.set(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        if (contentType != null && !out.contains(HttpHeaderNames.CONTENT_TYPE)) {
            out.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
    }

    /** The backend's answer arrived while the body was still being written. */
    private static final class AnsweredEarly extends IOException {
        AnsweredEarly() {
            super("answered before the whole body was sent");
        }
    }

    /**
     * An upload's body as it is written: chunks of up to {@link #UPLOAD_CHUNK} bytes, each sent
     * once the connection has room, so a large upload is never held in memory.
     */
    private static final class Upload extends OutputStream {
        private final NettyUpstreamExchange exchange;
        private ByteBuf chunk;

        Upload(NettyUpstreamExchange exchange) {
            this.exchange = exchange;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (chunk == null) {
                    chunk = exchange.channel().alloc().buffer(UPLOAD_CHUNK);
                }
                int n = Math.min(len, UPLOAD_CHUNK - chunk.readableBytes());
                chunk.writeBytes(b, off, n);
                off += n;
                len -= n;
                if (chunk.readableBytes() == UPLOAD_CHUNK) {
                    sendChunk();
                }
            }
        }

        private void sendChunk() throws IOException {
            if (!exchange.awaitWritable()) {
                throw new AnsweredEarly();
            }
            ByteBuf full = chunk;
            chunk = null;
            exchange.channel().writeAndFlush(new DefaultHttpContent(full))
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }

        void finish() throws IOException {
            if (chunk != null) {
                sendChunk();
            }
            // Every byte of the body is on its way: its end adds none to a sized body, and a
            // backend may answer the moment the last byte arrives, so the end is sent even when
            // the answer's head already came (judging that an early answer dropped a sound
            // connection; a refusal before the last byte is caught by sendChunk)
            send(exchange, LastHttpContent.EMPTY_LAST_CONTENT);
        }

        /** Releases a chunk never sent (the write failed or the backend answered early). */
        void discard() {
            if (chunk != null) {
                chunk.release();
                chunk = null;
            }
        }
    }

    @Override
    public int openConnections() {
        return connections.openConnections();
    }

    @Override
    public int idleConnections() {
        return connections.idleConnections();
    }

    @Override
    public int http2Connections() {
        return connections.http2Connections();
    }

    @Override
    public void close() {
        eviction.cancel(false);
        sweeper.close();
        connections.close();
        if (ownsLoops) {
            loops.close();
        }
    }
}
