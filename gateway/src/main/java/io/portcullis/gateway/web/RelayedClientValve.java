package io.portcullis.gateway.web;

import jakarta.servlet.ServletException;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Collections;
import java.util.List;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.RemoteIpValve;
import org.apache.catalina.valves.ValveBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first valve of Tomcat's engine: makes a request relayed by the data plane look as if the
 * client had connected to Tomcat itself. With the data plane on, every control-plane request
 * reaches Tomcat from the relay on loopback; the relay names the client (as its front door
 * decided, trusted proxies already applied) in {@link RelaySecret#CLIENT_ADDRESS_HEADER}, with
 * the process's secret beside it.
 *
 * <p>The address is believed only when the TCP peer is loopback, the secret matches, and each
 * header was sent once with a valid IP literal; otherwise the request keeps its TCP peer. Both
 * headers are always removed, so nothing behind this valve (or a log of headers) sees them.
 *
 * <p>A relayed request then skips {@link RemoteIpValve}: its {@code X-Forwarded-For} was already
 * weighed by the front door, and weighing it again against the already-resolved client would let
 * a client that is itself inside the trusted networks move its address a second time.
 */
final class RelayedClientValve extends ValveBase {

    private static final Logger log = LoggerFactory.getLogger(RelayedClientValve.class);

    private final RelaySecret secret;

    RelayedClientValve(RelaySecret secret) {
        super(true);
        this.secret = secret;
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        String client = relayedClient(request);
        List<String> schemes = Collections.list(request.getHeaders(RelaySecret.SCHEME_HEADER));
        request.getCoyoteRequest().getMimeHeaders().removeHeader(RelaySecret.CLIENT_ADDRESS_HEADER);
        request.getCoyoteRequest().getMimeHeaders().removeHeader(RelaySecret.SECRET_HEADER);
        request.getCoyoteRequest().getMimeHeaders().removeHeader(RelaySecret.SCHEME_HEADER);
        Valve next = getNext();
        if (client != null) {
            request.setRemoteAddr(client);
            request.setRemoteHost(client);
            if (schemes.size() == 1 && "https".equals(schemes.getFirst())) {
                // as RemoteIpValve does for a trusted proxy's X-Forwarded-Proto: redirects and
                // secure cookies follow the scheme the client used, not the loopback hop's
                request.getCoyoteRequest().scheme().setString("https");
                request.setSecure(true);
                request.setServerPort(443);
            }
            while (next instanceof RemoteIpValve) {
                next = next.getNext();
            }
        }
        next.invoke(request, response);
    }

    /** The relayed client's address, or null when the request does not prove it came through the relay. */
    private String relayedClient(Request request) {
        List<String> addresses = Collections.list(request.getHeaders(RelaySecret.CLIENT_ADDRESS_HEADER));
        List<String> secrets = Collections.list(request.getHeaders(RelaySecret.SECRET_HEADER));
        if (addresses.isEmpty() && secrets.isEmpty()) {
            return null;
        }
        if (addresses.size() != 1 || secrets.size() != 1 || !isLoopback(request.getRemoteAddr())
                || !secret.matches(secrets.getFirst())) {
            // a client trying to choose its own address; it keeps the one it connected from
            log.debug("Relay headers refused from {}", request.getRemoteAddr());
            return null;
        }
        try {
            return InetAddress.ofLiteral(addresses.getFirst().strip()).getHostAddress();
        } catch (IllegalArgumentException e) {
            log.warn("The relay named a client address that is not an IP address; the peer is used");
            return null;
        }
    }

    private static boolean isLoopback(String peer) {
        try {
            return peer != null && InetAddress.ofLiteral(peer).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
