package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The exchange's own edges, on a channel driven by the test (the client's tests use real sockets). */
class NettyUpstreamExchangeTest {

    /**
     * The wait for an answer's head has no timer of its own; a connection the backend closed just
     * as it was taken from the pool, before the exchange began on it, must still end that wait,
     * as "closed without an answer" (which the client retries once on a new connection).
     */
    @Test
    void aConnectionClosedBeforeTheExchangeBeganEndsTheWaitForTheHead() throws Exception {
        var config = new UpstreamProperties(Duration.ofSeconds(1), Duration.ofSeconds(300), Duration.ofSeconds(120),
                4, null, List.of(), UpstreamClientKind.NETTY);
        try (var sweeper = new CallSweeper(config)) {
            var channel = new EmbeddedChannel();
            var handler = new NettyUpstreamHandler();
            channel.pipeline().addLast(handler);
            channel.close(); // the backend's close arrives while nobody's exchange is on the connection
            var connection = new NettyUpstreamPool.Connection(
                    NettyUpstreamPool.Address.of(URI.create("http://127.0.0.1:9/")), channel, handler, true);
            var pool = new NettyUpstreamPool(new Bootstrap(), null, 4, Duration.ofSeconds(1));
            var watch = new CallWatch(channel::close);
            sweeper.watch(watch);
            watch.waiting(TimeUnit.SECONDS.toNanos(300));
            var exchange = new NettyUpstreamExchange(connection, pool, sweeper, watch,
                    TimeUnit.SECONDS.toNanos(120), TimeUnit.SECONDS.toNanos(305));
            handler.begin(exchange);

            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThatThrownBy(exchange::awaitHead)
                    .isInstanceOf(ClosedWithoutAnswerException.class));
        }
    }
}
