package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.portcullis.gateway.NettyEventLoops;
import io.portcullis.gateway.backend.NettyUpstreamPool.Address;
import io.portcullis.gateway.backend.NettyUpstreamPool.Connection;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool's choice of connection by event loop: a call names the loop that serves its client, and
 * its upstream connection is served by that loop whenever one is idle or may be opened; another
 * loop's idle connection is taken before the pool grows.
 */
class NettyUpstreamPoolTest {

    private RawHttpServer server;
    private NettyEventLoops loops;
    private NettyUpstreamPool pool;
    private Address address;
    private EventLoop first;
    private EventLoop second;

    @BeforeEach
    void start() throws IOException {
        server = new RawHttpServer();
        loops = new NettyEventLoops(2);
        var bootstrap = new Bootstrap().group(loops.group())
                .channel(loops.transport().socketChannel());
        pool = new NettyUpstreamPool(bootstrap, () -> null, 4, Duration.ofSeconds(2));
        address = Address.of(server.uri("/ok"));
        first = loops.group().next();
        second = loops.group().next();
        assertThat(second).isNotSameAs(first);
    }

    @AfterEach
    void stop() throws IOException {
        pool.close();
        loops.close();
        server.close();
    }

    @Test
    void opensTheConnectionOnTheLoopThatServesTheCallersClient() throws IOException {
        Connection onFirst = pool.acquire(address, first, false);
        Connection onSecond = pool.acquire(address, second, false);

        assertThat(onFirst.channel().eventLoop()).isSameAs(first);
        assertThat(onSecond.channel().eventLoop()).isSameAs(second);
    }

    @Test
    void takesTheIdleConnectionOfTheCallersOwnLoopFirst() throws IOException {
        Connection onFirst = pool.acquire(address, first, false);
        Connection onSecond = pool.acquire(address, second, false);
        pool.release(onSecond);
        pool.release(onFirst); // the most recent: a pool blind to loops would hand this one out next

        Connection again = pool.acquire(address, second, false);

        assertThat(again.channel()).isSameAs(onSecond.channel());
        assertThat(again.reused()).isTrue();
    }

    @Test
    void takesAnotherLoopsIdleConnectionRatherThanOpenANewOne() throws IOException {
        Connection onFirst = pool.acquire(address, first, false);
        pool.release(onFirst);

        Connection taken = pool.acquire(address, second, false);

        assertThat(taken.channel()).isSameAs(onFirst.channel());
        assertThat(pool.openConnections()).isEqualTo(1);
    }

    @Test
    void aConnectionClosedWhileIdleLeavesTheLoopsShelfAndFreesItsPermit() throws Exception {
        Connection onSecond = pool.acquire(address, second, false);
        pool.release(onSecond);
        assertThat(pool.idleConnections()).isEqualTo(1);

        onSecond.channel().close().sync();

        assertThat(pool.idleConnections()).isZero();
        assertThat(pool.openConnections()).isZero();
    }
}
