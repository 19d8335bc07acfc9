package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The exchange's own edges, on a channel driven by the test (the client's tests use real sockets). */
class NettyUpstreamExchangeTest {

    private static final UpstreamProperties CONFIG = new UpstreamProperties(Duration.ofSeconds(1),
            Duration.ofSeconds(300), Duration.ofSeconds(120), 4, null, List.of(), UpstreamClientKind.NETTY, List.of());

    /**
     * A backend may answer the moment the last byte of a sized body arrives, and the whole answer
     * can be read before the event loop has even written the body's (empty) end. The connection is
     * sound: it goes back to the pool once that end has left, not thrown away because the request
     * had not yet left when the answer was over (the intermittent {@code streamsAnUploadWhole}).
     */
    @Test
    void aConnectionWhoseAnswerEndedBeforeTheRequestsLastPartLeftGoesBackToThePoolOnceItHas() throws Exception {
        try (var sweeper = new CallSweeper(CONFIG)) {
            var connection = connection(false);
            var channel = (EmbeddedChannel) connection.channel();
            var pool = pool();
            var exchange = begin(connection, pool, sweeper, new CallWatch(channel::close));
            var lastPart = channel.newPromise(); // the body's end, still waiting to be written
            exchange.lastPart(lastPart);

            var answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer("5242880", StandardCharsets.US_ASCII));
            answer.headers().set(HttpHeaderNames.CONTENT_LENGTH, 7);
            channel.writeInbound(answer);
            exchange.awaitHead();
            assertThat(new String(exchange.body().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("5242880");
            exchange.close();
            assertThat(channel.isActive()).as("kept while its request's end is on its way").isTrue();
            assertThat(pool.idleConnections()).isZero();

            lastPart.setSuccess();
            assertThat(channel.isActive()).isTrue();
            assertThat(pool.idleConnections()).as("back in the pool once the end has left").isEqualTo(1);
        }
    }

    /**
     * The wait for an answer's head has no timer of its own; a connection the backend closed just
     * as it was taken from the pool, before the exchange began on it, must still end that wait,
     * as "closed without an answer" (which the client retries once on a new connection).
     */
    @Test
    void aConnectionClosedBeforeTheExchangeBeganEndsTheWaitForTheHead() throws Exception {
        try (var sweeper = new CallSweeper(CONFIG)) {
            var connection = connection(true);
            var channel = connection.channel();
            channel.close(); // the backend's close arrives while nobody's exchange is on the connection
            var watch = new CallWatch(channel::close);
            watch.waiting(TimeUnit.SECONDS.toNanos(300));
            var exchange = begin(connection, pool(), sweeper, watch);

            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThatThrownBy(exchange::awaitHead)
                    .isInstanceOf(ClosedWithoutAnswerException.class));
        }
    }

    /**
     * The caller is woken once per socket read, not once per decoded part: a head whose body is
     * still on its way must still reach it when the read that brought the head is over, and what
     * else that read brought is there to be read without another wait.
     */
    @Test
    void aHeadWhoseBodyIsStillOnItsWayReachesTheCallerWhenItsReadIsOver() throws Exception {
        try (var sweeper = new CallSweeper(CONFIG)) {
            var connection = connection(false);
            var channel = (EmbeddedChannel) connection.channel();
            var watch = new CallWatch(channel::close);
            watch.waiting(TimeUnit.SECONDS.toNanos(300));
            var exchange = begin(connection, pool(), sweeper, watch);
            var head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 10);

            channel.pipeline().fireChannelRead(head);
            channel.pipeline().fireChannelRead(
                    new DefaultHttpContent(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII)));
            channel.pipeline().fireChannelReadComplete(); // the rest of the body is in a later read

            assertTimeoutPreemptively(Duration.ofSeconds(5), exchange::awaitHead);
            assertThat(exchange.status()).isEqualTo(200);
            byte[] first = new byte[5];
            assertThat(exchange.body().read(first)).isEqualTo(5);
            assertThat(new String(first, StandardCharsets.US_ASCII)).isEqualTo("hello");
            exchange.close();
        }
    }

    /** A connection as the client builds it: the upstream handler last in its channel's pipeline. */
    private static NettyUpstreamPool.Connection connection(boolean reused) throws IOException {
        var channel = new EmbeddedChannel();
        var handler = new NettyUpstreamHandler();
        channel.pipeline().addLast(handler);
        return new NettyUpstreamPool.Connection(
                NettyUpstreamPool.Address.of(URI.create("http://127.0.0.1:9/")), channel, handler, reused);
    }

    private static NettyUpstreamPool pool() {
        return new NettyUpstreamPool(new Bootstrap(), null, 4, Duration.ofSeconds(1));
    }

    /** An exchange begun on {@code connection}, its call watched by {@code sweeper}, as the client begins one. */
    private static NettyUpstreamExchange begin(NettyUpstreamPool.Connection connection, NettyUpstreamPool pool,
                                               CallSweeper sweeper, CallWatch watch) {
        sweeper.watch(watch);
        var exchange = new NettyUpstreamExchange(connection, pool, sweeper, watch,
                TimeUnit.SECONDS.toNanos(120), TimeUnit.SECONDS.toNanos(305));
        connection.handler().begin(exchange);
        return exchange;
    }
}
