package io.portcullis.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import org.junit.jupiter.api.Test;

/** Which loop a thread's upstream call is steered to: only one of the set, and only when bound. */
class NettyEventLoopsTest {

    @Test
    void aThreadServingAClientOnOneOfTheLoopsHasThatLoopAsHome() {
        try (var loops = new NettyEventLoops(2)) {
            EventLoop loop = loops.group().next();

            EventLoop home = ScopedValue.where(NettyEventLoops.CLIENT_LOOP, loop).call(loops::home);

            assertThat(home).isSameAs(loop);
        }
    }

    @Test
    void aClientServedByLoopsOfItsOwnGivesNoHome() {
        try (var loops = new NettyEventLoops(1); var dataPlanesOwn = new NettyEventLoops(1)) {
            EventLoop foreign = dataPlanesOwn.group().next();

            EventLoop home = ScopedValue.where(NettyEventLoops.CLIENT_LOOP, foreign).call(loops::home);

            assertThat(home).isNull();
        }
    }

    @Test
    void aThreadServingNoClientHasNoHome() {
        try (var loops = new NettyEventLoops(1)) {
            assertThat(loops.home()).isNull();
        }
    }
}
