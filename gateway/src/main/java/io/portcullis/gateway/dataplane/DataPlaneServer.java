package io.portcullis.gateway.dataplane;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.portcullis.gateway.NettyEventLoops;
import io.portcullis.gateway.NettyTransport;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;

/**
 * The Netty server that owns the public port when the data plane is on. It starts after the
 * control plane's Tomcat (which then listens on a loopback port, {@link ControlPlaneAddress}) and
 * stops before it: stopping, it accepts nothing new, lets the answers in flight finish within the
 * shutdown phase's timeout, then closes every connection.
 *
 * <p>Once bound it publishes its port as {@code local.server.port}, where Spring Boot's
 * {@code ServerPortInfoApplicationContextInitializer} put Tomcat's (in the {@code server.ports}
 * property source), so tests and tools reach the data plane; Tomcat's goes to
 * {@link ControlPlaneAddress#PORT_PROPERTY}.
 */
public final class DataPlaneServer implements SmartLifecycle {

    /** After the web server's start and graceful-shutdown phases: started after Tomcat, stopped before it. */
    static final int PHASE = WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE + 512;
    private static final String PORTS_SOURCE = "server.ports";
    private static final Logger log = LoggerFactory.getLogger(DataPlaneServer.class);

    /** What the server is given: where to listen, how to decode, where requests go. */
    record Settings(DataPlaneProperties properties, InetSocketAddress bindTo, int maxHeadBytes,
                    ClientAddress addresses, ClientApiRoute clientApi, Route fallback, long stopTimeoutNanos) {
    }

    private final Settings settings;
    private final ControlPlaneAddress controlPlane;
    private final ConfigurableEnvironment environment;
    private final InFlight inFlight = new InFlight();
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    /** The gateway's shared loops, or null: then each start makes loops of its own. */
    private final NettyEventLoops shared;
    private volatile NettyEventLoops loops;
    private final LongAdder refusedConnections = new LongAdder();
    private final AtomicLong lastRefusalLog =
            new AtomicLong(System.nanoTime() - TimeUnit.MINUTES.toNanos(2));
    private volatile Channel listening;

    /**
     * @param shared the event loops to serve on, shared with the upstream client (never shut down
     *               here), or null for loops of its own ({@code gateway.data-plane.event-loops} set)
     */
    DataPlaneServer(Settings settings, ControlPlaneAddress controlPlane, ConfigurableEnvironment environment,
                    NettyEventLoops shared) {
        this.shared = shared;
        this.settings = settings;
        this.controlPlane = controlPlane;
        this.environment = environment;
    }

    @Override
    public void start() {
        inFlight.resume(); // a stop drained it; started again, connections are kept alive as before
        loops = shared != null ? shared : new NettyEventLoops("data-plane-io", settings.properties().loops(),
                NettyTransport.of(settings.properties().transport()));
        Class<? extends ServerChannel> type = loops.transport().serverChannel();
        var decoding = new HttpDecoderConfig().setMaxInitialLineLength(settings.maxHeadBytes())
                .setMaxHeaderSize(settings.maxHeadBytes());
        long idleNanos = settings.properties().idleTimeout().toNanos();
        var bootstrap = new ServerBootstrap().group(loops.group()).channel(type)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel connection) {
                        if (connections.size() >= settings.properties().maxConnections()) {
                            refuseConnection(connection);
                            return;
                        }
                        connections.add(connection);
                        connection.pipeline().addLast(new HttpServerCodec(decoding), new FrontDoor(
                                settings.clientApi(), settings.fallback(), settings.addresses(), idleNanos, inFlight));
                    }
                });
        var bound = bootstrap.bind(settings.bindTo()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            // the port is taken or not ours: fail the start, and leave no event loop threads behind
            if (loops != shared) {
                loops.close();
            }
            throw new IllegalStateException("The data plane could not listen on " + settings.bindTo(), bound.cause());
        }
        listening = bound.channel();
        int port = ((InetSocketAddress) listening.localAddress()).getPort();
        publish(port);
        log.info("Data plane (Netty, {}) listening on {}:{}; control plane on 127.0.0.1:{}", loops.transport(),
                settings.bindTo().getHostString(), port, controlPlane.port());
    }

    /**
     * Past {@code max-connections}: closed at once, before a byte is read, and said once a minute at
     * most (a flood would otherwise write a line per connection).
     */
    private void refuseConnection(Channel connection) {
        connection.close();
        refusedConnections.increment();
        long now = System.nanoTime();
        long last = lastRefusalLog.get();
        if (now - last >= TimeUnit.MINUTES.toNanos(1) && lastRefusalLog.compareAndSet(last, now)) {
            log.warn("Data plane at gateway.data-plane.max-connections ({}): closing new connections ({} so far)",
                    settings.properties().maxConnections(), refusedConnections.sum());
        }
    }

    /**
     * {@code portcullis_dataplane_connections} (client connections open now) and
     * {@code portcullis_dataplane_connections_refused_total} (closed at {@code max-connections}).
     */
    void bindMetrics(MeterRegistry registry) {
        Gauge.builder("portcullis.dataplane.connections", connections, ChannelGroup::size)
                .description("Client connections the data plane holds now")
                .register(registry);
        FunctionCounter.builder("portcullis.dataplane.connections.refused",
                        refusedConnections, LongAdder::sum)
                .description("Client connections closed on accept at gateway.data-plane.max-connections")
                .register(registry);
    }

    /** Where tests and tools look for the server's port: the data plane's is the public one now. */
    private void publish(int port) {
        PropertySource<?> source = environment.getPropertySources().get(PORTS_SOURCE);
        if (!(source instanceof MapPropertySource)) {
            source = new MapPropertySource(PORTS_SOURCE, new HashMap<>());
            environment.getPropertySources().addFirst(source);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> ports = (Map<String, Object>) source.getSource();
        ports.put("local.server.port", port);
        ports.put(ControlPlaneAddress.PORT_PROPERTY, controlPlane.port());
    }

    @Override
    public void stop() {
        Channel server = listening;
        if (server == null) {
            return;
        }
        server.close().syncUninterruptibly();
        try {
            if (!inFlight.drain(settings.stopTimeoutNanos())) {
                log.warn("Data plane stopping with answers still in flight after the shutdown phase's timeout");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connections.close().awaitUninterruptibly();
        if (loops != shared) {
            loops.close();
        }
        listening = null;
    }

    /** The loops it serves on while running (the shared ones by default). */
    EventLoopGroup loops() {
        return loops.group();
    }

    @Override
    public boolean isRunning() {
        return listening != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** The port the data plane listens on (0 before it started). */
    public int port() {
        Channel server = listening;
        return server == null ? 0 : ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** What the event loops serving the port run on, or null before the first start. */
    NettyTransport transport() {
        NettyEventLoops current = loops;
        return current == null ? null : current.transport();
    }
}
