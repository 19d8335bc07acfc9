package io.portcullis.gateway.backend;

import io.portcullis.gateway.NettyTransport;

/**
 * Every {@link Http2UpstreamTest} again, the client's event loops on io_uring
 * ({@code gateway.data-plane.transport=io-uring}): h2c, h2 agreed by ALPN over TLS, stream limits,
 * flow control and resets must not depend on the transport.
 */
class Http2UpstreamOnIoUringTest extends Http2UpstreamTest {

    @Override
    NettyTransport.Choice transport() {
        return NettyTransport.Choice.IO_URING;
    }
}
