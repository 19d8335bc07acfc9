package io.portcullis.policy;

import java.util.Arrays;
import java.util.Objects;

/**
 * An IPv4 or IPv6 network such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}. Parsed without
 * name resolution, so it never touches the network.
 */
public final class Cidr {

    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /**
     * @throws IllegalArgumentException when {@code text} is not a network in CIDR notation
     */
    public static Cidr parse(String text) {
        Objects.requireNonNull(text, "text");
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = IpAddresses.parse(address);
        if (bytes == null) {
            throw new IllegalArgumentException("not an IP network: " + text);
        }
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in " + text);
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("bad prefix length in " + text);
            }
        }
        return new Cidr(mask(bytes, prefix), prefix, text);
    }

    /** @return whether the address (4 or 16 bytes) is inside this network */
    public boolean contains(byte[] address) {
        if (address == null) {
            return false;
        }
        int offset = 0;
        if (address.length == 16 && network.length == 4 && IpAddresses.isV4Mapped(address)) {
            offset = 12;
        }
        if (address.length - offset != network.length) {
            return false;
        }
        // compare under the mask byte by byte, without allocating: this runs on every request
        for (int i = 0; i < network.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            int mask = (0xFF << (8 - bits)) & 0xFF;
            if ((address[offset + i] & mask) != (network[i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    /**
     * @return whether every address of this network is inside {@code outer} (same address family,
     *         a prefix at least as long, and this network's start inside it)
     */
    public boolean within(Cidr outer) {
        return outer.network.length == network.length && outer.prefix <= prefix && outer.contains(network);
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & (0xFF << (8 - bits)));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        return text;
    }
}
