package io.portcullis.gateway.dataplane;

import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import io.netty.util.AsciiString;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answer header names, each checked against HTTP's token rule once and kept as an
 * {@link AsciiString}, whose case-insensitive hash is computed once and whose bytes the encoder
 * copies as they are. The names come from the gateway's code (constants), so the cache stays
 * small; it is capped all the same, and a name beyond the cap is checked on every use.
 */
final class AnswerHeaderNames {

    private static final int CAP = 256;
    private static final ConcurrentHashMap<String, AsciiString> CHECKED = new ConcurrentHashMap<>();

    private AnswerHeaderNames() {
    }

    static AsciiString checked(String name) {
        AsciiString known = CHECKED.get(name);
        if (known != null) {
            return known;
        }
        int bad = name.isEmpty() ? 0 : HttpHeaderValidationUtil.validateToken(name);
        if (bad != -1) {
            throw new IllegalArgumentException("Not a header name (character " + bad + "): '" + name + "'");
        }
        AsciiString checked = new AsciiString(name);
        if (CHECKED.size() < CAP) {
            CHECKED.putIfAbsent(name, checked);
        }
        return checked;
    }
}
