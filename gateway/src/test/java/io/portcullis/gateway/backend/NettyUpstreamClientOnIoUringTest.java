package io.portcullis.gateway.backend;

import io.portcullis.gateway.NettyTransport;

/**
 * Every {@link NettyUpstreamClientTest} again, the Netty client's event loops on io_uring
 * ({@code gateway.data-plane.transport=io-uring}): keep-alive, timeouts, cancellation, a slow reader
 * and TLS must not depend on the transport.
 */
class NettyUpstreamClientOnIoUringTest extends NettyUpstreamClientTest {

    @Override
    NettyTransport.Choice transport() {
        return NettyTransport.Choice.IO_URING;
    }
}
