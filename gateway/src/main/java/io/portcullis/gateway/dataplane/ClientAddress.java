package io.portcullis.gateway.dataplane;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import io.portcullis.policy.Cidr;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * The client's address as the data plane sees it, by the rule {@code web.TrustedProxies} sets for
 * Tomcat: the TCP peer, unless the peer is inside a trusted network; then the right-most address in
 * {@code X-Forwarded-For} that is not itself inside one. {@code Forwarded} is never read.
 */
final class ClientAddress {

    private final List<Cidr> trusted;

    ClientAddress(List<Cidr> trusted) {
        this.trusted = List.copyOf(trusted);
    }

    String of(SocketAddress peer, HttpHeaders headers) {
        String direct = addressOf(peer);
        if (trusted.isEmpty() || !isTrusted(direct)) {
            return direct;
        }
        // walk the hops from the nearest; the first one outside the trusted networks is the client
        List<String> values = headers.getAll("X-Forwarded-For");
        String client = direct; // every hop trusted: the left-most one, as Tomcat's RemoteIpValve decides
        for (int v = values.size() - 1; v >= 0; v--) {
            String[] hops = values.get(v).split(",");
            for (int h = hops.length - 1; h >= 0; h--) {
                String hop = hops[h].strip();
                if (NetUtil.createByteArrayFromIpAddressString(hop) == null) {
                    return client; // a hop that is not an address: believe nothing further left of it
                }
                client = hop;
                if (!isTrusted(hop)) {
                    return hop;
                }
            }
        }
        return client;
    }

    /**
     * The scheme the client used: {@code https} when the peer is a trusted proxy whose
     * {@code X-Forwarded-Proto} says so (its last value, the nearest proxy's), else {@code http}.
     */
    String scheme(SocketAddress peer, HttpHeaders headers) {
        if (trusted.isEmpty()) {
            return "http";
        }
        List<String> values = headers.getAll("X-Forwarded-Proto");
        if (!isTrusted(addressOf(peer)) || values.isEmpty()) {
            return "http";
        }
        String[] protos = values.getLast().split(",");
        return "https".equalsIgnoreCase(protos[protos.length - 1].strip()) ? "https" : "http";
    }

    private static String addressOf(SocketAddress peer) {
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(peer);
    }

    private boolean isTrusted(String address) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        for (Cidr network : trusted) {
            if (network.contains(bytes)) {
                return true;
            }
        }
        return false;
    }
}
