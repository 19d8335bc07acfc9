package io.portcullis.gateway.web;

import java.net.InetAddress;

/**
 * A second listener for the control plane's server (Tomcat), next to the loopback one the data
 * plane relays to: where admins reach the admin API, the console and actuator directly, while the
 * public port serves only the client API ({@code gateway.data-plane.control-plane-port}). Requests
 * on it come straight from clients, so the trusted-proxy rules apply as on any public port and
 * the relay's headers are never believed (they need the loopback peer and the relay's secret).
 *
 * @param address        the interface to listen on, or null for all of them ({@code server.address})
 * @param port           the port
 * @param maxHeaderBytes the largest request head accepted, as on the public port
 */
public record ControlPlaneListener(InetAddress address, int port, int maxHeaderBytes) {

    public ControlPlaneListener {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("A control plane port must be between 1 and 65535");
        }
        if (maxHeaderBytes < 1) {
            throw new IllegalArgumentException("maxHeaderBytes must be positive");
        }
    }
}
