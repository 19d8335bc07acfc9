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

    /**
     * Four decimal parts of one to three ASCII digits, each at most 255, read in place: every
     * request's client address passes here, so nothing is allocated but the answer.
     */
    private static byte[] parseV4(String text) {
        byte[] out = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                if (++digits > 3) {
                    return null;
                }
                value = value * 10 + (c - '0');
            } else if (c == '.' && digits > 0 && part < 3) {
                if (value > 255) {
                    return null;
                }
                out[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else {
                return null;
            }
        }
        if (part != 3 || digits == 0 || value > 255) {
            return null;
        }
        out[3] = (byte) value;
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
            int g = group(head[i]);
            if (g < 0) {
                return null;
            }
            groups[i] = g;
        }
        for (int i = 0; i < rest.length; i++) {
            int g = group(rest[i]);
            if (g < 0) {
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

    /** One group of up to four hex digits, or -1: an int, since boxing groups above 127 allocated. */
    private static int group(String g) {
        if (g.isEmpty() || g.length() > 4) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < g.length(); i++) {
            // ASCII only: Character.digit also takes full-width and other scripts' digits
            char c = g.charAt(i);
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) {
                return -1;
            }
            v = v * 16 + d;
        }
        return v;
    }
}
