package io.portcullis.bench.gateway;

import com.sun.net.httpserver.HttpServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A fake OpenAI-compatible backend that streams a chat completion slowly: one chunk a second for
 * {@code CHUNKS} seconds, then a usage chunk and {@code [DONE]}. One virtual thread per stream, so
 * it holds thousands of streams on a laptop. Listens on 127.0.0.1 only.
 *
 * <p>With {@code h2c} it speaks HTTP/2 in clear text with prior knowledge instead (and no
 * HTTP/1.1), each stream a timer on an event loop, announcing {@value #MAX_STREAMS} streams a
 * connection (the gateway puts at most 256 on one): it then holds its streams to it on a few connections
 * ({@code gateway.upstream.http2-hosts}), one socket per client stream rather than two.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.portcullis.bench.gateway.StreamingBackend PORT [CHUNKS [h2c]]</pre>
 */
public final class StreamingBackend {

    private StreamingBackend() {
    }

    /** Streams the HTTP/2 mode takes on one connection. */
    static final int MAX_STREAMS = 1000;

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int chunks = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        if (args.length > 2 && args[2].equals("h2c")) {
            serveHttp2(port, chunks);
            return;
        }
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 8192);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("content-type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                for (int i = 0; i < chunks; i++) {
                    out.write(tick(i));
                    out.flush();
                    Thread.sleep(1_000);
                }
                out.write(end(chunks));
                out.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        System.out.println("streaming backend on 127.0.0.1:" + port + ", " + chunks + " chunks a second apart");
    }

    private static byte[] tick(int i) {
        return ("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                + "\"model\":\"bench-stream\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick " + i
                + " \"},\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] end(int chunks) {
        return ("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                + "\"model\":\"bench-stream\",\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":"
                + chunks + ",\"total_tokens\":" + (8 + chunks) + "}}\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void serveHttp2(int port, int chunks) throws InterruptedException {
        var group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel connection) {
                        connection.pipeline().addLast(Http2FrameCodecBuilder.forServer()
                                        .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(MAX_STREAMS))
                                        .build(),
                                new Http2MultiplexHandler(new ChannelInitializer<>() {
                                    @Override
                                    protected void initChannel(Channel stream) {
                                        stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                                                new Ticks(chunks));
                                    }
                                }));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", port)).sync();
        System.out.println("streaming backend (HTTP/2, h2c) on 127.0.0.1:" + port + ", " + chunks
                + " chunks a second apart");
    }

    /** One stream: its head once the request has ended, then a tick a second on the stream's event loop. */
    private static final class Ticks extends SimpleChannelInboundHandler<Object> {
        private final int chunks;

        Ticks(int chunks) {
            super(false);
            this.chunks = chunks;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            boolean ended = msg instanceof io.netty.handler.codec.http.LastHttpContent;
            ReferenceCountUtil.release(msg);
            if (!ended) {
                return; // the head and the body's parts are read and dropped; the answer starts at its end
            }
            var head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set("content-type", "text/event-stream");
            ctx.writeAndFlush(head);
            send(ctx, 0);
        }

        private void send(ChannelHandlerContext ctx, int i) {
            if (!ctx.channel().isActive()) {
                return;
            }
            if (i < chunks) {
                ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(tick(i))));
                ctx.executor().schedule(() -> send(ctx, i + 1), 1, TimeUnit.SECONDS);
            } else {
                ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.wrappedBuffer(end(chunks))));
            }
        }
    }
}
