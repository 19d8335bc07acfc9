package io.portcullis.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.uring.IoUring;
import io.portcullis.gateway.NettyTransport;
import org.junit.jupiter.api.Test;

/**
 * Every {@link FrontDoorTest} again, with the data plane's event loop on io_uring
 * ({@code gateway.data-plane.transport=io-uring}): keep-alive, pipelining, refusals and timeouts
 * must not depend on the transport.
 */
class FrontDoorOnIoUringTest extends FrontDoorTest {

    @Override
    TestDataPlane start() {
        return TestDataPlane.on(NettyTransport.Choice.IO_URING);
    }

    /**
     * The machines this project builds on allow io_uring, so these tests run on it; where the
     * kernel refuses it, the data plane must still serve, on epoll.
     */
    @Test
    void runsOnIoUringWhereTheKernelAllowsIt() {
        try (var plane = start()) {
            assertThat(plane.transport())
                    .isEqualTo(IoUring.isAvailable() ? NettyTransport.IO_URING : NettyTransport.EPOLL);
        }
    }
}
