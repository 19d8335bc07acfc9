package io.portcullis.bench.candidates;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Plain Netty 4.2, server and client on the same event loops: an upstream connection is opened on
 * the loop of the client connection it serves and pooled per loop, so no lock and no hand-off
 * between threads anywhere. Whole answers are aggregated; event streams are written and flushed
 * chunk by chunk. One request at a time per client connection (no pipelining).
 */
public final class NettyProxy {

    /** Idle upstream connections per event loop and port; touched only by that loop's thread. */
    private static final FastThreadLocal<Map<Integer, ArrayDeque<Channel>>> IDLE = new FastThreadLocal<>() {
        @Override
        protected Map<Integer, ArrayDeque<Channel>> initialValue() {
            return new HashMap<>();
        }
    };

    private NettyProxy() {
    }

    public static void main(String[] args) throws Exception {
        Bare bare = Bare.parse(args);
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(io);
        Class<? extends ServerChannel> serverChannel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        Bootstrap upstream = new Bootstrap().channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new Back());
                    }
                });
        new ServerBootstrap().group(boss, workers).channel(serverChannel)
                .option(ChannelOption.SO_BACKLOG, 1024).childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // the aggregator answers 413 itself past the bound
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(Bare.MAX_BODY),
                                new Front(bare, upstream));
                    }
                })
                .bind("127.0.0.1", bare.port).sync();
        bare.started("netty (" + (epoll ? "epoll" : "nio") + ")");
    }

    /** The client side of one inbound connection. */
    private static final class Front extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Bare bare;
        private final Bootstrap upstream;
        private Channel busy;

        Front(Bare bare, Bootstrap upstream) {
            this.bare = bare;
            this.upstream = upstream;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (req.method() != HttpMethod.POST || !Bare.PATH.equals(req.uri())) {
                reply(ctx.channel(), HttpResponseStatus.NOT_FOUND, keepAlive);
                return;
            }
            byte[] body = ByteBufUtil.getBytes(req.content());
            int port = bare.upstreamPort(body, body.length);
            var outgoing = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, Bare.PATH,
                    Unpooled.wrappedBuffer(body));
            outgoing.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + port)
                    .set(HttpHeaderNames.CONTENT_TYPE, Bare.JSON).set(HttpHeaderNames.CONTENT_LENGTH, body.length);
            ArrayDeque<Channel> idle = IDLE.get().computeIfAbsent(port, p -> new ArrayDeque<>());
            Channel ch;
            while ((ch = idle.pollLast()) != null && !ch.isActive()) {
                // closed by the backend while idle
            }
            if (ch != null) {
                send(ctx.channel(), ch, outgoing, keepAlive, idle);
                return;
            }
            upstream.clone(ctx.channel().eventLoop()).connect("127.0.0.1", port).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    send(ctx.channel(), f.channel(), outgoing, keepAlive, idle);
                } else {
                    outgoing.release();
                    reply(ctx.channel(), HttpResponseStatus.BAD_GATEWAY, keepAlive);
                }
            });
        }

        private void send(Channel front, Channel back, FullHttpRequest outgoing, boolean keepAlive,
                          ArrayDeque<Channel> idle) {
            busy = back;
            back.pipeline().get(Back.class).serve(front, this, keepAlive, idle);
            back.writeAndFlush(outgoing);
        }

        void done() {
            busy = null;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // the client went away mid-answer: cancel upstream by closing that connection
            if (busy != null) {
                busy.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The upstream side; serves one {@link Front} at a time, then goes back to the idle pool. */
    private static final class Back extends ChannelInboundHandlerAdapter {
        private Channel front;
        private Front owner;
        private boolean frontKeepAlive;
        private ArrayDeque<Channel> idle;
        private HttpResponse head;
        private boolean streaming;
        private CompositeByteBuf whole;

        void serve(Channel front, Front owner, boolean keepAlive, ArrayDeque<Channel> idle) {
            this.front = front;
            this.owner = owner;
            this.frontKeepAlive = keepAlive;
            this.idle = idle;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpResponse response) {
                head = response;
                String contentType = response.headers().get(HttpHeaderNames.CONTENT_TYPE, Bare.JSON);
                streaming = Bare.isEventStream(contentType);
                if (streaming) {
                    var out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, response.status());
                    out.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                            .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                    front.writeAndFlush(out);
                } else {
                    whole = ctx.alloc().compositeBuffer();
                }
            }
            if (msg instanceof HttpContent content) {
                boolean last = content instanceof LastHttpContent;
                if (streaming) {
                    front.writeAndFlush(last ? new io.netty.handler.codec.http.DefaultLastHttpContent(content.content().retain())
                            : new DefaultHttpContent(content.content().retain()));
                } else {
                    whole.addComponent(true, content.content().retain());
                }
                content.release();
                if (last) {
                    finish(ctx.channel());
                }
            }
        }

        private void finish(Channel back) {
            if (!streaming) {
                var out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, head.status(), whole);
                out.headers().set(HttpHeaderNames.CONTENT_TYPE, head.headers().get(HttpHeaderNames.CONTENT_TYPE, Bare.JSON))
                        .set(HttpHeaderNames.CONTENT_LENGTH, whole.readableBytes());
                whole = null;
                var written = front.writeAndFlush(out);
                if (!frontKeepAlive) {
                    written.addListener(ChannelFutureListener.CLOSE);
                }
            } else if (!frontKeepAlive) {
                front.close();
            }
            owner.done();
            boolean reusable = HttpUtil.isKeepAlive(head);
            front = null;
            owner = null;
            head = null;
            if (reusable) {
                idle.addLast(back);
            } else {
                back.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (whole != null) {
                whole.release();
                whole = null;
            }
            if (front != null) {
                // the backend went away mid-answer
                front.close();
                owner.done();
                front = null;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static void reply(Channel ch, HttpResponseStatus status, boolean keepAlive) {
        var out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        out.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        var written = ch.writeAndFlush(out);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
