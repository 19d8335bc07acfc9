package io.portcullis.gateway.support;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/2 backend on 127.0.0.1, in clear text with prior knowledge only (it does not speak
 * HTTP/1.1) or over TLS: what {@code gateway.upstream.http2-hosts} names. It counts the connections it accepted,
 * the streams it saw at once and the streams the client reset, and answers by path:
 * <ul>
 *   <li>{@code /v1/chat/completions}: a chat completion with usage, or, for {@code "stream":true},
 *       three events 50 ms apart (200 for the model {@code h2-slow}), a usage event and {@code [DONE]};
 *       for the model {@code h2-broken}, a 200 and half an answer, then a reset;</li>
 *   <li>{@code /held}: nothing until {@link #release()} (or a reset), then {@code {"held":true}};</li>
 *   <li>{@code /headers}: the request's headers as JSON-ish text;</li>
 *   <li>{@code /reset}: resets the stream without a word;</li>
 *   <li>{@code /goaway}: answers, then tells the connection {@code GOAWAY};</li>
 *   <li>{@code /size}: how many bytes the request's body had;</li>
 *   <li>{@code /big}: 2 MiB, sent as fast as flow control allows;</li>
 *   <li>{@code /evil-header}: a header value holding CR LF and a second header;</li>
 *   <li>{@code /huge-headers}: a head of 100 KiB, beyond what the client said it takes;</li>
 *   <li>{@code /stall}: a 200 head and then nothing;</li>
 *   <li>anything else: {@code {"path":...}}.</li>
 * </ul>
 */
public final class Http2Backend implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger peakOpen = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
    private volatile CountDownLatch held = new CountDownLatch(1);

    private final SslContext tls;

    /** @param maxStreams the {@code SETTINGS_MAX_CONCURRENT_STREAMS} it announces */
    public Http2Backend(long maxStreams) throws InterruptedException {
        this(maxStreams, null);
    }

    /**
     * @param maxStreams the {@code SETTINGS_MAX_CONCURRENT_STREAMS} it announces
     * @param tls        null: clear text (h2c); else HTTPS with this context (whose ALPN, if any, is what it agrees to)
     */
    public Http2Backend(long maxStreams, SslContext tls) throws InterruptedException {
        this.tls = tls;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel connection) {
                        connections.incrementAndGet();
                        if (tls != null) {
                            connection.pipeline().addLast(tls.newHandler(connection.alloc()));
                        }
                        connection.pipeline().addLast(
                                Http2FrameCodecBuilder.forServer()
                                        .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(maxStreams))
                                        // as a hostile backend would: it sends what the client said it would not take
                                        .encoderIgnoreMaxHeaderListSize(true)
                                        .build(),
                                new Http2MultiplexHandler(new ChannelInitializer<>() {
                                    @Override
                                    protected void initChannel(Channel stream) {
                                        stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                                                new HttpObjectAggregator(8 << 20), new Answer());
                                    }
                                }));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public URI uri(String path) {
        return URI.create((tls == null ? "http" : "https") + "://127.0.0.1:" + port() + path);
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** The most streams that were open at once. */
    public int peakOpenStreams() {
        return peakOpen.get();
    }

    /** Streams the client reset (cancelled) so far. */
    public int resets() {
        return resets.get();
    }

    public List<String> paths() {
        return paths;
    }

    /** The headers of the last request to {@code /headers}, lower-case names. */
    public Map<String, String> lastHeaders() {
        return lastHeaders;
    }

    /** Answers every request waiting at {@code /held}, and the ones to come. */
    public void release() {
        held.countDown();
    }

    public boolean awaitResets(int n, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (resets.get() < n && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        return resets.get() >= n;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            int now = open.incrementAndGet();
            peakOpen.accumulateAndGet(now, Math::max);
            ctx.channel().closeFuture().addListener(f -> open.decrementAndGet());
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof Http2ResetFrame) {
                resets.incrementAndGet();
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = request.uri();
            paths.add(path);
            String body = request.content().toString(StandardCharsets.UTF_8);
            switch (path) {
                case "/v1/chat/completions" -> {
                    if (body.contains("h2-broken")) {
                        var head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                        head.headers().set("content-type", "application/json");
                        ctx.write(head);
                        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(
                                "{\"id\":\"chatcmpl-h2\",\"object\":\"chat.completion\",\"choices\":[", StandardCharsets.UTF_8)))
                                .addListener(f -> ctx.channel().close()); // reset after half an answer
                    } else if (body.replace(" ", "").contains("\"stream\":true")) {
                        stream(ctx, 0, body.contains("h2-slow") ? 200 : 3);
                    } else {
                        whole(ctx, 200, """
                                {"id":"chatcmpl-h2","object":"chat.completion","created":1,"model":"h2-model",\
                                "choices":[{"index":0,"message":{"role":"assistant","content":"over HTTP/2"},\
                                "finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}""");
                    }
                }
                case "/held" -> {
                    CountDownLatch latch = held;
                    Thread.ofVirtual().start(() -> {
                        try {
                            if (latch.await(20, TimeUnit.SECONDS)) {
                                ctx.executor().execute(() -> whole(ctx, 200, "{\"held\":true}"));
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                }
                case "/headers" -> {
                    var text = new StringBuilder();
                    request.headers().forEach(h -> {
                        lastHeaders.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue());
                        text.append(h.getKey()).append('=').append(h.getValue()).append('\n');
                    });
                    whole(ctx, 200, text.toString());
                }
                case "/reset" -> ctx.channel().close(); // a stream closed before its end is reset
                case "/goaway" -> {
                    whole(ctx, 200, "{\"goaway\":true}");
                    // then the connection takes no new stream (those under way may finish)
                    ctx.channel().parent().writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
                }
                case "/size" -> whole(ctx, 200, "{\"bytes\":" + request.content().readableBytes() + "}");
                case "/big" -> {
                    // 2 MiB, as fast as the client's windows let it go
                    var head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    head.headers().set("content-type", "application/octet-stream");
                    ctx.write(head);
                    for (int i = 0; i < 127; i++) {
                        ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[16 * 1024])));
                    }
                    ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.wrappedBuffer(new byte[16 * 1024])));
                }
                case "/evil-header" -> {
                    // a value that would split into two headers if written to an HTTP/1.1 client as it is
                    var head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            DefaultHttpHeadersFactory.headersFactory().withValidation(false));
                    head.headers().set("content-type", "application/json").set("x-evil", "a\r\nset-cookie: pwned=1");
                    ctx.write(head);
                    ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8)));
                }
                case "/huge-headers" -> {
                    var head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    head.headers().set("content-type", "application/json").set("x-big", "b".repeat(100 * 1024));
                    ctx.write(head);
                    ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8)));
                }
                case "/stall" -> {
                    var head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    head.headers().set("content-type", "application/json");
                    ctx.writeAndFlush(head);
                }
                default -> whole(ctx, 200, "{\"path\":\"" + path + "\"}");
            }
        }

        private void whole(ChannelHandlerContext ctx, int status, String json) {
            var head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
            head.headers().set("content-type", "application/json");
            ctx.write(head);
            ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.copiedBuffer(json, StandardCharsets.UTF_8)));
        }

        private void stream(ChannelHandlerContext ctx, int sent, int parts) {
            if (sent == 0) {
                var head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().set("content-type", "text/event-stream");
                ctx.writeAndFlush(head);
            }
            if (!ctx.channel().isActive()) {
                return; // reset by the client
            }
            if (sent < parts) {
                String event = "data: {\"id\":\"chatcmpl-h2\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                        + "\"model\":\"h2-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"part" + sent
                        + " \"},\"finish_reason\":null}]}\n\n";
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(event, StandardCharsets.UTF_8)));
                ctx.executor().schedule(() -> stream(ctx, sent + 1, parts), 50, TimeUnit.MILLISECONDS);
                return;
            }
            String end = "data: {\"id\":\"chatcmpl-h2\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                    + "\"model\":\"h2-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":3,"
                    + "\"total_tokens\":14}}\n\ndata: [DONE]\n\n"; // the usage of three parts, whatever the length
            ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.copiedBuffer(end, StandardCharsets.UTF_8)));
        }
    }
}
