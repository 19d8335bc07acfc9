package io.portcullis.gateway.dataplane;

import java.net.InetSocketAddress;

/** Where the control plane's Tomcat listens when the data plane owns {@code server.port}: a loopback address. */
public record ControlPlaneAddress(InetSocketAddress address) {
}
