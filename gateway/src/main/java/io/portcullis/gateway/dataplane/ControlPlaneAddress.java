package io.portcullis.gateway.dataplane;

import java.net.InetSocketAddress;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;

/**
 * Where the control plane's server (Spring's Tomcat) listens once the data plane owns the public
 * port: 127.0.0.1 on an ephemeral port, known only after Tomcat has started. The relay to the
 * control plane connects here.
 */
public final class ControlPlaneAddress implements ApplicationListener<WebServerInitializedEvent> {

    /** The property under which the control plane's port is published, next to {@code local.server.port}. */
    public static final String PORT_PROPERTY = "local.control-plane.port";

    private volatile int port;

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        // a management server on its own port announces itself too, from a child context
        String namespace = event.getApplicationContext().getServerNamespace();
        if (namespace == null || namespace.isEmpty() || "server".equals(namespace)) {
            port = event.getWebServer().getPort();
        }
    }

    /** The control plane's port, or 0 before its server has started. */
    public int port() {
        return port;
    }

    /** The control plane's loopback address. */
    public InetSocketAddress address() {
        if (port <= 0) {
            throw new IllegalStateException("The control plane's server has not started yet");
        }
        return new InetSocketAddress("127.0.0.1", port);
    }
}
