package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.uring.IoUring;
import io.portcullis.gateway.NettyEventLoops;
import io.portcullis.gateway.NettyTransport;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Every {@link StreamingTest} again, the whole gateway on io_uring
 * ({@code gateway.data-plane.transport=io-uring}: the data plane's connections and the backends'
 * alike): the first chunk while the backend pauses, usage, and cancellation upstream when the client
 * goes must not depend on the transport.
 */
@TestPropertySource(properties = "gateway.data-plane.transport=io-uring")
class StreamingOnIoUringTest extends StreamingTest {

    @Autowired
    private NettyEventLoops loops;

    @Test
    void runsTheGatewaysEventLoopsOnIoUringWhereTheKernelAllowsIt() {
        assertThat(loops.transport()).isEqualTo(IoUring.isAvailable() ? NettyTransport.IO_URING : NettyTransport.EPOLL);
    }
}
