package io.portcullis.gateway.web;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The API key a client presented, read at the HTTP edge, so that {@code auth} judges a value and
 * never sees a servlet request: {@code Authorization: Bearer <key>}, else {@code x-api-key}
 * (Anthropic's SDKs send that one).
 *
 * @param key     the presented key, trimmed, or {@code null} when the request carries none
 * @param address the client's address as the request reports it (the peer, or the address
 *                {@link TrustedProxies} resolved), for the failed-authentication throttle
 */
public record PresentedKey(String key, String address) {

    /** Reads the key and the address from a servlet request ({@code /v1/me}, {@code /v1/models}, stored responses). */
    public static PresentedKey of(HttpServletRequest request) {
        return new PresentedKey(keyOf(request.getHeader("Authorization"), request.getHeader("x-api-key")),
                request.getRemoteAddr());
    }

    /** Reads the key and the address from a client-API request, whichever server carries it. */
    public static PresentedKey of(ClientExchange exchange) {
        return new PresentedKey(keyOf(exchange.header("Authorization"), exchange.header("x-api-key")),
                exchange.remoteAddress());
    }

    private static String keyOf(String authorization, String apiKey) {
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String key = authorization.substring(7).trim();
            return key.isEmpty() ? null : key;
        }
        return apiKey == null || apiKey.isBlank() ? null : apiKey.trim();
    }

    /** Never the key itself: this value may reach a log line. */
    @Override
    public String toString() {
        return "PresentedKey[" + (key == null ? "none" : "present") + " from " + address + "]";
    }
}
