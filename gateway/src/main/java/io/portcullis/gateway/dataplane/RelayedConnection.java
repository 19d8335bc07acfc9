package io.portcullis.gateway.dataplane;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.portcullis.gateway.web.ApiError;
import java.util.ArrayDeque;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * One client connection's link to Tomcat for {@link ControlPlaneRelay}: at most one request in
 * flight (the front door reads no further request until the answer is written), the connection to
 * Tomcat opened at the first and kept while both sides keep theirs. Everything here runs on the
 * client connection's event loop, which also serves the Tomcat connection, so nothing is locked.
 */
final class RelayedConnection {

    private final Channel client;
    private final BiFunction<Channel, Upstream, ChannelFuture> connector;
    private final Consumer<RelayOutcome> outcomes;
    /** Parts written before the connection to Tomcat is open; sent in order once it is. */
    private final ArrayDeque<Object> pending = new ArrayDeque<>();
    private Channel upstream;
    private boolean connecting;
    private boolean gone;
    private Exchange current;
    /** Whether this relay stopped the client's reads (so only it restarts them). */
    private boolean clientPaused;

    RelayedConnection(Channel client, BiFunction<Channel, Upstream, ChannelFuture> connector,
                      Consumer<RelayOutcome> outcomes) {
        this.client = client;
        this.connector = connector;
        this.outcomes = outcomes;
    }

    RequestSink begin(HttpRequest relayed, String requestId, Consumer<Boolean> answered) {
        if (current != null) {
            // the front door promised to read no further request before the answer: Tomcat's
            // answers could no longer be told apart
            throw new IllegalStateException("A request is already being relayed on this connection");
        }
        current = new Exchange(relayed, requestId, answered, upstream != null && upstream.isActive());
        send(relayed);
        return current;
    }

    /** The client connection closed: Tomcat's is of no further use. */
    void clientGone() {
        gone = true;
        current = null;
        releasePending();
        if (upstream != null) {
            upstream.close();
        }
    }

    private void send(Object message) {
        if (upstream != null && upstream.isActive()) {
            upstream.writeAndFlush(message);
            if (!upstream.isWritable()) {
                pauseClient();
            }
            return;
        }
        pending.add(message);
        if (connecting) {
            // the connect is under way; do not read more of the client's body into memory meanwhile
            pauseClient();
            return;
        }
        connecting = true;
        connector.apply(client, new Upstream()).addListener((ChannelFuture f) -> {
            connecting = false;
            if (gone) {
                f.channel().close();
            } else if (f.isSuccess()) {
                upstream = f.channel();
                while (!pending.isEmpty()) {
                    upstream.write(pending.poll());
                }
                upstream.flush();
                if (upstream.isWritable()) {
                    resumeClient();
                }
            } else {
                releasePending();
                fail("The gateway's control plane could not be reached");
            }
        });
    }

    private void pauseClient() {
        if (!clientPaused) {
            clientPaused = true;
            client.config().setAutoRead(false);
        }
    }

    private void resumeClient() {
        if (clientPaused) {
            clientPaused = false;
            client.config().setAutoRead(true);
        }
    }

    private void releasePending() {
        while (!pending.isEmpty()) {
            ReferenceCountUtil.release(pending.poll());
        }
    }

    /**
     * The exchange in flight cannot be completed: a 502 in the contract's shape when nothing of
     * the answer was written yet, otherwise the cut answer ends with the connection (a client
     * reading a chunked or sized body sees it is incomplete). Either way the client connection is
     * not reused.
     */
    private void fail(String message) {
        Exchange exchange = current;
        current = null;
        if (upstream != null) {
            upstream.close();
        }
        if (exchange == null || gone) {
            return;
        }
        resumeClient();
        if (exchange.answerStarted) {
            outcomes.accept(RelayOutcome.CUT);
            exchange.answered.accept(false);
            client.close();
            return;
        }
        outcomes.accept(RelayOutcome.BAD_GATEWAY);
        client.writeAndFlush(ErrorAnswer.of(ApiError.upstreamError(message), exchange.requestId, true));
        exchange.answered.accept(false);
    }

    /** One request and its answer; the request body's parts arrive here. */
    private final class Exchange implements RequestSink {

        final String requestId;
        final Consumer<Boolean> answered;
        final HttpRequest head;
        final boolean requestKeepAlive;
        /** Sent on a connection an earlier request used, which Tomcat may have closed as idle meanwhile. */
        boolean reusedConnection;
        boolean requestDone;
        boolean bodyless = true;
        boolean answerStarted;
        /** Whether Tomcat keeps its connection after this answer. */
        boolean keepAlive = true;
        /** A 100 Continue was passed on: its end is not the answer's. */
        boolean interim;
        /**
         * Tomcat answered, keeping its connection, before the body had all come (a refusal that did
         * not read it): the rest still goes to Tomcat, which swallows it, and only then is the
         * client's connection free for its next request.
         */
        boolean answeredEarly;

        Exchange(HttpRequest head, String requestId, Consumer<Boolean> answered, boolean reusedConnection) {
            this.head = head;
            this.requestId = requestId;
            this.answered = answered;
            this.requestKeepAlive = HttpUtil.isKeepAlive(head);
            this.reusedConnection = reusedConnection;
        }

        /**
         * Whether sending again on a new connection is safe and needed: Tomcat closed a reused
         * connection before a byte of the answer (its keep-alive timeout racing this request), and
         * the request is a bodiless GET, HEAD or OPTIONS, so Tomcat acted on nothing.
         */
        boolean resendable() {
            HttpMethod method = head.method();
            return reusedConnection && !answerStarted && requestDone && bodyless
                    && (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method) || HttpMethod.OPTIONS.equals(method));
        }

        @Override
        public void content(HttpContent part) {
            if (current != this) {
                // answered already (Tomcat did not wait for the body) or given up: nobody wants it
                part.release();
                return;
            }
            if (part instanceof LastHttpContent) {
                requestDone = true;
            }
            if (part.content().isReadable()) {
                bodyless = false;
            }
            send(part);
            if (requestDone && answeredEarly) {
                current = null;
                answered.accept(true);
            }
        }

        @Override
        public void clientClosed() {
            clientGone();
        }
    }

    /** Reads Tomcat's answers and writes them to the client as they come. */
    final class Upstream extends ChannelInboundHandlerAdapter {

        private ChannelFuture lastWrite;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Exchange exchange = current;
            if (exchange == null || gone || !(msg instanceof HttpObject object)) {
                // nothing asked for this (Tomcat never speaks first): the connection is out of step
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            if (object.decoderResult().isFailure()) {
                // a malformed or cut answer: never pass on its end as if it were complete
                ReferenceCountUtil.release(msg);
                fail("The gateway's control plane sent an incomplete answer");
                return;
            }
            if (msg instanceof HttpResponse response) {
                exchange.interim = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
                if (!exchange.interim) {
                    exchange.answerStarted = true;
                }
            }
            boolean last = msg instanceof LastHttpContent && !exchange.interim;
            if (msg instanceof LastHttpContent) {
                exchange.interim = false;
            }
            if (msg instanceof HttpResponse response && !exchange.interim) {
                exchange.keepAlive = HttpUtil.isKeepAlive(response);
            }
            lastWrite = client.write(msg);
            if (!client.isWritable()) {
                // the client reads slower than Tomcat writes: stop reading Tomcat until it catches up
                ctx.channel().config().setAutoRead(false);
                Channel tomcat = ctx.channel();
                lastWrite.addListener(f -> tomcat.config().setAutoRead(true));
            }
            if (last) {
                client.flush();
                finish(exchange, ctx.channel());
            }
        }

        private void finish(Exchange exchange, Channel tomcat) {
            outcomes.accept(RelayOutcome.ANSWERED);
            if (exchange.keepAlive && exchange.requestKeepAlive && !exchange.requestDone) {
                exchange.answeredEarly = true; // the body's end frees the connection (Exchange.content)
                return;
            }
            current = null;
            boolean reusable = exchange.keepAlive && exchange.requestKeepAlive && exchange.requestDone;
            if (!reusable) {
                tomcat.close();
                upstream = null;
                resumeClient();
            }
            exchange.answered.accept(reusable);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            client.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                resumeClient();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (upstream == ctx.channel()) {
                upstream = null;
            }
            Exchange exchange = current;
            if (exchange != null && !gone && exchange.resendable()) {
                exchange.reusedConnection = false;
                send(exchange.head);
                send(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            if (exchange != null && exchange.answeredEarly) {
                // Tomcat chose not to swallow the rest after all: the client's connection ends too
                current = null;
                exchange.answered.accept(false);
                return;
            }
            if (current != null) {
                fail("The gateway's control plane closed the connection before answering");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
