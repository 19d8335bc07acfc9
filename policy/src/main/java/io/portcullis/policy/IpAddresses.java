package io.portcullis.policy;

/** Literal IP address parsing, with no DNS lookup (unlike {@code InetAddress.getByName}). */
public final class IpAddresses {

    private IpAddresses() {
    }

    /** @return 4 or 16 bytes, or null when {@code text} is not a literal IPv4/IPv6 address */
    public static byte[] parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 45) {
            return null;
        }
        if (text.indexOf(':') >= 0) {
            return parseV6(text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text);
        }
        return parseV4(text);
    }

    static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
    }

    private static byte[] parseV4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] parseV6(String text) {
        int zone = text.indexOf('%');
        if (zone >= 0) {
            text = text.substring(0, zone);
        }
        byte[] tail = null;
        int lastColon = text.lastIndexOf(':');
        if (text.indexOf('.') > lastColon) {
            tail = parseV4(text.substring(lastColon + 1));
            if (tail == null) {
                return null;
            }
            text = text.substring(0, lastColon + 1) + "0:0";
        }
        int doubleColon = text.indexOf("::");
        if (doubleColon != text.lastIndexOf("::")) {
            return null;
        }
        String[] head;
        String[] rest;
        if (doubleColon >= 0) {
            String h = text.substring(0, doubleColon);
            String r = text.substring(doubleColon + 2);
            head = h.isEmpty() ? new String[0] : h.split(":", -1);
            rest = r.isEmpty() ? new String[0] : r.split(":", -1);
            if (head.length + rest.length > 7) {
                return null;
            }
        } else {
            head = text.split(":", -1);
            rest = new String[0];
            if (head.length != 8) {
                return null;
            }
        }
        int[] groups = new int[8];
        for (int i = 0; i < head.length; i++) {
            Integer g = group(head[i]);
            if (g == null) {
                return null;
            }
            groups[i] = g;
        }
        for (int i = 0; i < rest.length; i++) {
            Integer g = group(rest[i]);
            if (g == null) {
                return null;
            }
            groups[8 - rest.length + i] = g;
        }
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[2 * i] = (byte) (groups[i] >> 8);
            out[2 * i + 1] = (byte) groups[i];
        }
        if (tail != null) {
            System.arraycopy(tail, 0, out, 12, 4);
        }
        return out;
    }

    private static Integer group(String g) {
        if (g.isEmpty() || g.length() > 4) {
            return null;
        }
        int v = 0;
        for (int i = 0; i < g.length(); i++) {
            int d = Character.digit(g.charAt(i), 16);
            if (d < 0) {
                return null;
            }
            v = v * 16 + d;
        }
        return v;
    }
}
