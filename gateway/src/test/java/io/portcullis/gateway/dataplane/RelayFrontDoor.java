package io.portcullis.gateway.dataplane;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only data plane front door on 127.0.0.1 that sends every request to one route: the
 * least the real front door does (HTTP/1.1 codec, one request at a time, the client's address and
 * request id decided here), so the relay is tested on real sockets without depending on it.
 */
final class RelayFrontDoor implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final AtomicInteger ids = new AtomicInteger();
    /** The request ids handed to the route, in order. */
    final List<String> requestIds = new CopyOnWriteArrayList<>();
    /** The client address the front door decides; null for the TCP peer's. */
    volatile String clientAddress;

    RelayFrontDoor(Route route) {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new Door(route));
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Door extends ChannelInboundHandlerAdapter {

        private final Route route;
        private RequestSink sink;
        private boolean answered = true;

        Door(Route route) {
            this.route = route;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest head) {
                String id = "req-relay-test-" + ids.incrementAndGet();
                requestIds.add(id);
                String address = clientAddress != null ? clientAddress
                        : ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress();
                answered = false;
                Channel client = ctx.channel();
                sink = route.begin(client, head, address, id, keep -> client.eventLoop().execute(() -> {
                    answered = true;
                    if (!keep) {
                        client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                    }
                }));
            }
            if (msg instanceof HttpContent part) {
                if (sink != null) {
                    sink.content(part);
                } else {
                    ReferenceCountUtil.release(part);
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!answered && sink != null) {
                sink.clientClosed();
            }
        }
    }
}
