package io.portcullis.gateway.dataplane;

import io.portcullis.gateway.NettyTransport;
import io.portcullis.gateway.dataplane.DataPlaneProperties.Placement;
import io.portcullis.policy.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.springframework.core.env.StandardEnvironment;

/** A data plane server started directly (no Spring context) on an ephemeral loopback port. */
final class TestDataPlane implements AutoCloseable {

    static final int MAX_HEAD_BYTES = 16 * 1024;

    final ScriptedHandler handler = new ScriptedHandler();
    final StandardEnvironment environment = new StandardEnvironment();
    private final DataPlaneServer server;

    TestDataPlane(Duration idleTimeout, List<Cidr> trustedProxies) {
        this(idleTimeout, trustedProxies, 0, 16_384, Placement.EVENT_LOOP, NettyTransport.Choice.AUTO);
    }

    TestDataPlane(int port) {
        this(Duration.ofSeconds(5), List.of(), port, 16_384, Placement.EVENT_LOOP, NettyTransport.Choice.AUTO);
    }

    /** A data plane that holds at most {@code maxConnections} client connections. */
    static TestDataPlane holding(int maxConnections) {
        return new TestDataPlane(Duration.ofSeconds(5), List.of(), 0, maxConnections, Placement.EVENT_LOOP,
                NettyTransport.Choice.AUTO);
    }

    /** A data plane with {@code request-threads} set; its one event loop is {@code data-plane-io-1}. */
    static TestDataPlane placing(Placement requestThreads) {
        return new TestDataPlane(Duration.ofSeconds(5), List.of(), 0, 16_384, requestThreads,
                NettyTransport.Choice.AUTO);
    }

    /** A data plane whose event loop runs on the transport {@code transport} comes to here. */
    static TestDataPlane on(NettyTransport.Choice transport) {
        return new TestDataPlane(Duration.ofSeconds(5), List.of(), 0, 16_384, Placement.EVENT_LOOP, transport);
    }

    private TestDataPlane(Duration idleTimeout, List<Cidr> trustedProxies, int port, int maxConnections,
                          Placement requestThreads, NettyTransport.Choice transport) {
        var properties = new DataPlaneProperties(true, 1, idleTimeout, Duration.ofSeconds(5), Duration.ofSeconds(5),
                maxConnections, 0, requestThreads, transport);
        var settings = new DataPlaneServer.Settings(properties,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port), MAX_HEAD_BYTES,
                new ClientAddress(trustedProxies), new ClientApiRoute(handler, properties, null), new NotFoundRoute(),
                Duration.ofSeconds(5).toNanos());
        server = new DataPlaneServer(settings, new ControlPlaneAddress(), environment, null);
        server.start();
    }

    TestDataPlane() {
        this(Duration.ofSeconds(5), List.of());
    }

    /** Stops the server and starts it again, as a paused Spring context does (the port may change). */
    void restart() {
        server.stop();
        server.start();
    }

    int port() {
        return server.port();
    }

    /** What the data plane's event loop runs on. */
    NettyTransport transport() {
        return server.transport();
    }

    RawHttp connect() throws java.io.IOException {
        return new RawHttp(port());
    }

    @Override
    public void close() {
        server.stop();
    }
}
