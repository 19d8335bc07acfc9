package io.portcullis.gateway.backend;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream connection: hands what the codec decodes to the connection's
 * current exchange ({@link NettyUpstreamExchange}), on the event loop. Between exchanges (idle in the
 * pool) nothing should arrive; anything that does makes the connection unusable, so it is closed.
 */
final class NettyUpstreamHandler extends ChannelInboundHandlerAdapter {

    private volatile NettyUpstreamExchange exchange;
    private final ChannelInboundHandlerAdapter arrivals = new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            NettyUpstreamExchange current = exchange;
            if (current != null) {
                current.bytesArrived();
            }
            ctx.fireChannelRead(msg);
        }
    };

    /**
     * Goes before the codec: tells the exchange that bytes came, which the codec alone would not
     * say of a status line cut in the middle.
     */
    ChannelInboundHandlerAdapter arrivals() {
        return arrivals;
    }

    void begin(NettyUpstreamExchange next) {
        exchange = next;
    }

    void end() {
        exchange = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        NettyUpstreamExchange current = exchange;
        if (current == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        current.received(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        NettyUpstreamExchange current = exchange;
        if (current != null) {
            current.readComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        NettyUpstreamExchange current = exchange;
        if (current != null) {
            current.wake();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        NettyUpstreamExchange current = exchange;
        if (current != null) {
            current.connectionClosed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        NettyUpstreamExchange current = exchange;
        if (current != null) {
            current.failed(NettyUpstreamPool.asIo(cause));
        }
        ctx.close();
    }
}
