package io.portcullis.gateway.dataplane;

import io.portcullis.gateway.NettyTransport;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Netty data plane, {@code gateway.data-plane.*}: on by default; a Netty server owns {@code server.address}/{@code server.port}, serves the client API itself and relays
 * everything else to Spring's Tomcat on a loopback port.
 *
 * @param enabled      whether the data plane owns the public port
 * @param eventLoops   the Netty event loops accepting and decoding connections; 0 means the gateway's
 *                     shared loops (one per core, the upstream client's too), a number loops of the data plane's own
 * @param idleTimeout  how long a connection may go without sending a complete request head (a new
 *                     one, or a kept-alive one between requests) before it is closed
 * @param readTimeout  the longest a client-API handler waits for the next bytes of a request body
 *                     before the read fails (answered 408 by the client API)
 * @param writeTimeout the longest an answer's write waits for a client that stopped reading before
 *                     the connection is closed
 * @param maxConnections   client connections held at once; one more is closed as soon as it is
 *                         accepted (as nginx's {@code worker_connections}), so a flood of
 *                         connections runs into this cap rather than the process's file limit
 * @param controlPlanePort 0 (the default): one port serves everything, the control plane reached
 *                         through the relay. Otherwise the control plane (admin API, console,
 *                         actuator) also listens on this port, on {@code server.address}, and the
 *                         public port serves only the client API ({@code /v1/...}; anything else is
 *                         404): Kong's proxy and admin ports, so the admin surface can stay off the
 *                         network the clients reach
 * @param requestThreads   where a client-API request's virtual thread runs: {@code event-loop} (the
 *                         default), carried by the event loop that read the request, or {@code shared},
 *                         on the JVM's carrier threads ({@link RequestThreads})
 * @param transport        what the gateway's event loops (the data plane's and the upstream
 *                         client's) wait for sockets with: {@code auto} (the default) epoll on Linux,
 *                         else the JDK's NIO; {@code io-uring} io_uring where the kernel allows it
 *                         (else as {@code auto}, with a warning); {@code epoll}; {@code nio}
 */
@ConfigurationProperties(DataPlaneProperties.PREFIX)
public record DataPlaneProperties(@DefaultValue("true") boolean enabled, @DefaultValue("0") int eventLoops,
                                  @DefaultValue("20s") Duration idleTimeout, @DefaultValue("20s") Duration readTimeout,
                                  @DefaultValue("60s") Duration writeTimeout,
                                  @DefaultValue("16384") int maxConnections,
                                  @DefaultValue("0") int controlPlanePort,
                                  @DefaultValue("event-loop") Placement requestThreads,
                                  @DefaultValue("auto") NettyTransport.Choice transport) {

    /** Where these properties bind. */
    public static final String PREFIX = "gateway.data-plane";

    /** Where a client-API request's virtual thread runs ({@link RequestThreads}). */
    public enum Placement {
        /** Carried by the event loop that read the request, where the JVM allows it; else as {@link #SHARED}. */
        EVENT_LOOP,
        /** On the JVM's shared carrier threads (the virtual-thread scheduler). */
        SHARED
    }

    public DataPlaneProperties {
        if (eventLoops < 0) {
            throw new IllegalArgumentException(PREFIX + ".event-loops must be 0 (one per core) or more");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException(PREFIX + ".max-connections must be at least 1");
        }
        if (controlPlanePort < 0 || controlPlanePort > 65535) {
            throw new IllegalArgumentException(PREFIX + ".control-plane-port must be 0 (none) or a port number");
        }
        if (requestThreads == null) {
            requestThreads = Placement.EVENT_LOOP;
        }
        if (transport == null) {
            transport = NettyTransport.Choice.AUTO;
        }
        positive("idle-timeout", idleTimeout);
        positive("read-timeout", readTimeout);
        positive("write-timeout", writeTimeout);
    }

    /** Whether the control plane has a port of its own, so the public port serves only the client API. */
    boolean separateControlPlane() {
        return controlPlanePort > 0;
    }

    /** The event loops to start: as configured, or one per core. */
    int loops() {
        return eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
    }

    private static void positive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(PREFIX + "." + name + " must be positive");
        }
    }
}
