package io.portcullis.gateway.dataplane;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The public port's fallback once the control plane has a port of its own: the client API's
 * paths that Tomcat serves ({@code /v1/models}, {@code /v1/me}, stored responses) are still
 * relayed, everything else (admin API, console, actuator) is 404 here, as if it did not exist.
 *
 * <p>The test is on the path Tomcat will act on, so a path that only looks like the client API
 * cannot reach the admin API through the relay: the path is percent-decoded first, and one with a
 * dot segment ({@code /v1/../admin}, {@code /v1/%2e%2e/admin}), a backslash, a path parameter
 * ({@code ;}), an empty segment or a control character is refused rather than left to Tomcat's
 * normalisation; so is any request-target that is not a plain path (absolute form, {@code *}).
 */
final class ClientPathsOnly implements Route {

    private static final String CLIENT_API = "/v1/";

    private final Route relay;
    private final Route refuse;

    ClientPathsOnly(Route relay, Route refuse) {
        this.relay = relay;
        this.refuse = refuse;
    }

    @Override
    public RequestSink begin(Channel client, HttpRequest head, String clientAddress, String requestId,
                             Consumer<Boolean> answered) {
        Route route = isClientPath(head.uri()) ? relay : refuse;
        return route.begin(client, head, clientAddress, requestId, answered);
    }

    /** Whether a request-target names a client-API path, judged after percent-decoding. */
    static boolean isClientPath(String uri) {
        int end = uri.length();
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        String path = decode(uri.substring(0, end));
        if (path == null || !path.startsWith(CLIENT_API) || path.length() == CLIENT_API.length()) {
            return false;
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\' || c == ';') {
                return false;
            }
        }
        for (String segment : path.substring(1).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /**
     * The path with its %XX escapes decoded as UTF-8; null when an escape is broken, the bytes are
     * not UTF-8 (overlong forms of '.' and '/' included) or the raw path is not ASCII.
     */
    private static String decode(String raw) {
        byte[] out = new byte[raw.length()];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c > 0x7f) {
                return null; // a request line is ASCII; anything else is not a path Tomcat would serve
            } else {
                out[n++] = (byte) c;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out, 0, n))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
