package io.portcullis.gateway.backend;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One entry of {@code gateway.upstream.allowed-hosts}: an exact host name ({@code vllm.internal}),
 * a domain's sub-hosts ({@code *.example.com}, not {@code example.com} itself), or an IP address or
 * CIDR range ({@code 10.0.0.0/8}, {@code fd00::/8}), each optionally limited to one port
 * ({@code vllm.internal:8000}, {@code [::1]:8000}).
 *
 * @param kind    how the host part matches
 * @param name    the lower-case host name ({@link Kind#NAME}) or domain suffix with its dot ({@link Kind#SUFFIX})
 * @param network the range's first address ({@link Kind#ADDRESS})
 * @param bits    the range's prefix length
 * @param port    the one port allowed, or -1 for any
 */
record HostPattern(Kind kind, String name, byte[] network, int bits, int port) {

    enum Kind { NAME, SUFFIX, ADDRESS }

    private static final Pattern HOST_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /**
     * Every entry of a list setting, in order.
     *
     * @param property the setting's name, e.g. {@code gateway.upstream.allowed-hosts}
     * @throws IllegalArgumentException naming the entry ({@code property[i]}) and what is wrong with it
     */
    static List<HostPattern> parseAll(List<String> entries, String property) {
        var parsed = new ArrayList<HostPattern>();
        for (int i = 0; i < entries.size(); i++) {
            try {
                parsed.add(parse(entries.get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(property + "[" + i + "]: " + e.getMessage(), e);
            }
        }
        return List.copyOf(parsed);
    }

    /** @throws IllegalArgumentException naming what is wrong with the pattern */
    static HostPattern parse(String text) {
        String pattern = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        String host = pattern;
        int port = -1;
        if (pattern.startsWith("[")) {
            int close = pattern.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "' opens '[' without closing it");
            }
            host = pattern.substring(1, close);
            String rest = pattern.substring(close + 1);
            if (rest.startsWith("/")) {
                host = host + rest; // [fd00::]/8
            } else if (!rest.isEmpty()) {
                port = port(rest, text);
            }
        } else if (pattern.indexOf(':') >= 0 && pattern.indexOf(':') == pattern.lastIndexOf(':')) {
            port = port(pattern.substring(pattern.indexOf(':')), text); // host:port; IPv6 has several ':'
            host = pattern.substring(0, pattern.indexOf(':'));
        }
        if (host.contains("/") || host.contains(":") || IPV4.matcher(host).matches()) {
            return address(host, port, text);
        }
        if (host.startsWith("*.") && HOST_NAME.matcher(host.substring(2)).matches()) {
            return new HostPattern(Kind.SUFFIX, host.substring(1), null, 0, port);
        }
        if (HOST_NAME.matcher(host).matches() && !host.matches("[0-9.]+")) {
            return new HostPattern(Kind.NAME, host, null, 0, port);
        }
        throw new IllegalArgumentException("'" + text + "' is not a host name, *.domain, IP address or CIDR range");
    }

    private static int port(String suffix, String text) {
        if (!suffix.matches(":\\d{1,5}") || Integer.parseInt(suffix.substring(1)) < 1
                || Integer.parseInt(suffix.substring(1)) > 65535) {
            throw new IllegalArgumentException("'" + text + "' has a port that is not 1-65535");
        }
        return Integer.parseInt(suffix.substring(1));
    }

    private static HostPattern address(String host, int port, String text) {
        String literal = host;
        int bits = -1;
        int slash = host.indexOf('/');
        if (slash >= 0) {
            literal = host.substring(0, slash);
            if (!host.substring(slash + 1).matches("\\d{1,3}")) {
                throw new IllegalArgumentException("'" + text + "' has a prefix length that is not a number");
            }
            bits = Integer.parseInt(host.substring(slash + 1));
        }
        if (!(IPV4.matcher(literal).matches() || literal.contains(":"))) {
            throw new IllegalArgumentException("'" + text + "': a CIDR range needs an IP address");
        }
        byte[] address;
        try {
            address = InetAddress.getByName(literal).getAddress(); // a literal: never a DNS query
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not a valid IP address");
        }
        int max = address.length * 8;
        if (bits > max) {
            throw new IllegalArgumentException("'" + text + "' has a prefix longer than " + max + " bits");
        }
        return new HostPattern(Kind.ADDRESS, null, address, bits < 0 ? max : bits, port);
    }

    boolean allowsPort(int port) {
        return this.port == -1 || this.port == port;
    }

    /** Whether the pattern names this host (by name, not by any address it resolves to). */
    boolean matchesName(String host) {
        return switch (kind) {
            case NAME -> name.equals(host);
            case SUFFIX -> host.endsWith(name);
            case ADDRESS -> false;
        };
    }

    /** Whether the pattern names this very host: an exact name, never a wildcard. */
    boolean namesExactly(String host) {
        return kind == Kind.NAME && name.equals(host);
    }

    boolean covers(InetAddress address) {
        if (kind != Kind.ADDRESS) {
            return false;
        }
        byte[] bytes = address.getAddress();
        if (bytes.length != network.length) {
            return false;
        }
        int shift = bytes.length * 8 - bits;
        return new BigInteger(1, bytes).shiftRight(shift).equals(new BigInteger(1, network).shiftRight(shift));
    }

    @Override
    public String toString() {
        String host = switch (kind) {
            case NAME -> name;
            case SUFFIX -> "*" + name;
            case ADDRESS -> {
                try {
                    yield InetAddress.getByAddress(network).getHostAddress() + "/" + bits;
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        return port == -1 ? host : host + ":" + port;
    }
}
