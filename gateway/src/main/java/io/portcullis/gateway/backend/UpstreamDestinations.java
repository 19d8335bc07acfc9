package io.portcullis.gateway.backend;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Where backends managed through the admin API may send prompts and the upstream key:
 * {@code gateway.upstream.allowed-hosts}. A managed backend is an admin's, but its URL is still
 * a request the gateway makes from inside the network, with a key attached; so the address is
 * checked when it is stored, by name and by every address the name resolves to (a DNS name
 * pointing at 127.0.0.1 is loopback).
 *
 * <ul>
 *   <li>With patterns, the host must match one of them: its name, or each of its addresses.</li>
 *   <li>Loopback, link-local (169.254.0.0/16 with the cloud metadata service, fe80::/10) and
 *       unspecified (0.0.0.0, ::) addresses are refused, with or without patterns, unless an IP
 *       or CIDR pattern covers the address or an exact (not wildcard) name pattern names the host.</li>
 *   <li>The gateway's own ports on its own addresses are refused unless such a pattern also
 *       names the port: a backend pointing at the gateway would call the admin API or itself.</li>
 * </ul>
 *
 * <p>Backends from configuration are operator configuration and are not checked here. The check
 * is made when a backend is stored, not at every call: a name whose DNS answer changes later
 * (rebinding) is not caught, so list names you control.
 */
@Component
public class UpstreamDestinations {

    /** Resolves a host name to its addresses; {@link InetAddress#getAllByName} outside tests. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final List<HostPattern> allowed;
    private final Resolver resolver;
    private final Set<Integer> ownPorts = ConcurrentHashMap.newKeySet();
    /** Read at each check: the data plane publishes its port as {@code local.server.port} once bound. */
    private Environment environment;

    @Autowired
    public UpstreamDestinations(UpstreamProperties properties, Environment environment) {
        this(properties.allowedHosts(), InetAddress::getAllByName);
        this.environment = environment;
        for (String port : List.of("server.port", "management.server.port")) {
            Integer value = environment.getProperty(port, Integer.class);
            if (value != null && value > 0) {
                ownPorts.add(value);
            }
        }
    }

    UpstreamDestinations(List<String> patterns, Resolver resolver) {
        this.allowed = HostPattern.parseAll(patterns, "gateway.upstream.allowed-hosts");
        this.resolver = resolver;
    }

    /** Records the ports this gateway listens on (main and management) once they are known. */
    @EventListener
    void onWebServer(WebServerInitializedEvent event) {
        ownPorts.add(event.getWebServer().getPort());
    }

    private boolean isOwnPort(int port) {
        if (ownPorts.contains(port)) {
            return true;
        }
        Integer published = environment == null ? null : environment.getProperty("local.server.port", Integer.class);
        return published != null && published == port;
    }

    void addOwnPort(int port) {
        ownPorts.add(port);
    }

    /**
     * Why a managed backend may not point at {@code baseUrl}, or empty when it may. Resolves the
     * host name (a blocking DNS query).
     */
    public Optional<String> refusal(URI baseUrl) {
        String host = baseUrl.getHost().toLowerCase(Locale.ROOT);
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        int port = baseUrl.getPort() != -1 ? baseUrl.getPort() : "https".equals(baseUrl.getScheme()) ? 443 : 80;
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(bare);
        } catch (UnknownHostException e) {
            return Optional.of("host '" + bare + "' does not resolve");
        }
        if (addresses.length == 0) {
            return Optional.of("host '" + bare + "' does not resolve");
        }
        if (!allowed.isEmpty() && !listed(bare, addresses, port)) {
            return Optional.of("host '" + bare + "' is not in gateway.upstream.allowed-hosts");
        }
        for (InetAddress address : addresses) {
            String special = special(address);
            if (special != null && !explicitlyListed(bare, address, port, false)) {
                return Optional.of("host '" + bare + "' is " + special + " (" + address.getHostAddress()
                        + "); list it in gateway.upstream.allowed-hosts to allow it");
            }
            if (isOwnPort(port) && isOwnAddress(address) && !explicitlyListed(bare, address, port, true)) {
                return Optional.of("'" + bare + ":" + port + "' is this gateway itself; list that host and port "
                        + "in gateway.upstream.allowed-hosts to allow it");
            }
        }
        return Optional.empty();
    }

    private boolean listed(String host, InetAddress[] addresses, int port) {
        if (allowed.stream().anyMatch(p -> p.matchesName(host) && p.allowsPort(port))) {
            return true;
        }
        for (InetAddress address : addresses) {
            if (allowed.stream().noneMatch(p -> p.covers(address) && p.allowsPort(port))) {
                return false;
            }
        }
        return true;
    }

    /** An IP/CIDR pattern covering the address, or the exact host name; with the port itself when asked. */
    private boolean explicitlyListed(String host, InetAddress address, int port, boolean portNamed) {
        return allowed.stream().anyMatch(p -> (p.covers(address) || p.namesExactly(host))
                && (portNamed ? p.port() == port : p.allowsPort(port)));
    }

    /** Which refused class an address is in, or null. */
    static String special(InetAddress address) {
        InetAddress effective = embeddedIpv4(address);
        if (effective.isLoopbackAddress()) {
            return "a loopback address";
        }
        if (effective.isLinkLocalAddress()) {
            return "a link-local address (cloud metadata lives there)";
        }
        if (effective.isAnyLocalAddress()) {
            return "the unspecified address";
        }
        return null;
    }

    /** {@code ::127.0.0.1} (IPv4-compatible) is 127.0.0.1 to some stacks; Java already maps {@code ::ffff:}. */
    private static InetAddress embeddedIpv4(InetAddress address) {
        if (address instanceof Inet6Address v6 && v6.isIPv4CompatibleAddress()) {
            byte[] bytes = v6.getAddress();
            try {
                byte[] v4 = java.util.Arrays.copyOfRange(bytes, 12, 16);
                if (v4[0] != 0) { // ::1 and :: keep their IPv6 meaning
                    return InetAddress.getByAddress(v4);
                }
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return address;
    }

    private static boolean isOwnAddress(InetAddress address) {
        InetAddress effective = embeddedIpv4(address);
        if (effective.isLoopbackAddress() || effective.isAnyLocalAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(effective) != null;
        } catch (SocketException e) {
            return true; // cannot tell: treat as ours, the safe side
        }
    }
}
