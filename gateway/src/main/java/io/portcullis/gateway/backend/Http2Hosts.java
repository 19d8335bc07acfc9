package io.portcullis.gateway.backend;

import io.portcullis.gateway.backend.NettyUpstreamPool.Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * {@code gateway.upstream.http2-hosts}: the backends that speak HTTP/2, so their calls share a few
 * connections as streams ({@link MultiplexedConnections}): over {@code https} negotiated by ALPN
 * ({@code h2} only: a backend that does not agree fails the call), over plain {@code http} with
 * prior knowledge (h2c). Each entry is a {@link HostPattern}, as in {@code allowed-hosts}: a host
 * name, {@code *.domain}, an IP address or CIDR range, optionally with {@code :port}. An address
 * matches by its name or by the address it resolves to. It only changes how a call is framed,
 * never where it goes.
 */
final class Http2Hosts {

    static final Http2Hosts NONE = new Http2Hosts(List.of());

    private final List<HostPattern> patterns;

    private Http2Hosts(List<HostPattern> patterns) {
        this.patterns = patterns;
    }

    /** @throws IllegalArgumentException naming the entry that is not a host pattern */
    static Http2Hosts parse(List<String> entries) {
        return new Http2Hosts(HostPattern.parseAll(entries, "gateway.upstream.http2-hosts"));
    }

    /**
     * Whether calls to the address go as HTTP/2 streams. Resolves the host (a blocking lookup,
     * cached by the JDK) only when a name must be matched against an address or range.
     */
    boolean speaksHttp2(Address address) throws UnknownHostException {
        if (patterns.isEmpty()) {
            return false;
        }
        String host = address.bareHost().toLowerCase(Locale.ROOT);
        InetAddress ip = null;
        for (HostPattern pattern : patterns) {
            if (!pattern.allowsPort(address.port())) {
                continue;
            }
            if (pattern.matchesName(host)) {
                return true;
            }
            if (pattern.kind() == HostPattern.Kind.ADDRESS) {
                if (ip == null) {
                    ip = InetAddress.getByName(host);
                }
                if (pattern.covers(ip)) {
                    return true;
                }
            }
        }
        return false;
    }
}
