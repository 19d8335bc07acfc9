package io.portcullis.gateway;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The one rule for a backend's base URL, the same for {@code gateway.backends[].base-url} and for
 * {@code baseUrl} in the admin API: parsed strictly as a URI, {@code http} or {@code https}, a
 * host, no user info, no query, no fragment, and a path of plain segments (no {@code .} or
 * {@code ..}, even percent-encoded, and no encoded {@code /}). Anything else is refused rather
 * than repaired: a base URL that carried {@code ?}, {@code #} or {@code user@} used to choose
 * another path or host once the endpoint was appended to it.
 *
 * <p>The result is normalised: scheme and host in lower case, no empty segments, no trailing
 * slash ({@code http://host:11434} for a bare address), so the endpoint paths can be appended
 * segment by segment ({@code backend.Deployment#url}).
 */
public final class BaseUrl {

    /** Characters a path may hold raw (RFC 3986 pchar and '/'), percent escapes checked apart. */
    private static final Pattern PATH_CHARS = Pattern.compile("[A-Za-z0-9._~!$&'()*+,;=:@/%-]*");
    private static final Pattern ESCAPE = Pattern.compile("%[0-9A-Fa-f]{2}");

    private BaseUrl() {
    }

    /**
     * @param text     the URL as given
     * @param property how the caller names the value in messages ({@code baseUrl}, {@code gateway.backends[x].base-url})
     * @return the normalised URL
     * @throws IllegalArgumentException naming {@code property} and the rule broken
     */
    public static URI parse(String text, String property) {
        if (text == null || text.isBlank()) {
            throw refused(property, "is required");
        }
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw refused(property, "is not a valid URL (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.isOpaque() || !("http".equals(scheme) || "https".equals(scheme))) {
            throw refused(property, "must be an http(s) URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw refused(property, "must not hold user info (user@host); put the upstream key in apiKey / api-key");
        }
        if (uri.getRawQuery() != null) {
            throw refused(property, "must not hold a query (?...)");
        }
        if (uri.getRawFragment() != null) {
            throw refused(property, "must not hold a fragment (#...)");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw refused(property, "must name a host (letters, digits, '-' and '.', or an IP address)");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw refused(property, "has a port out of range");
        }
        String path = path(uri.getRawPath() == null ? "" : uri.getRawPath(), property);
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        return URI.create(scheme + "://" + host + (uri.getPort() == -1 ? "" : ":" + uri.getPort()) + path);
    }

    /** The path with empty segments dropped and no trailing slash; refused when a segment could climb. */
    private static String path(String raw, String property) {
        if (!PATH_CHARS.matcher(raw).matches()) {
            throw refused(property, "has a path with characters that must be percent-encoded");
        }
        var normalised = new StringBuilder();
        for (String segment : raw.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            String decoded = decode(segment, property);
            if (decoded.equals(".") || decoded.equals("..") || decoded.contains("/") || decoded.contains("\\")
                    || decoded.chars().anyMatch(Character::isISOControl)) {
                throw refused(property, "must not have '.' or '..' segments, encoded '/' or '\\', or control "
                        + "characters in its path");
            }
            normalised.append('/').append(segment);
        }
        return normalised.toString();
    }

    private static String decode(String segment, String property) {
        // Every '%' must start an escape: a stray one would be read differently by each server.
        if (ESCAPE.matcher(segment).replaceAll("").contains("%")) {
            throw refused(property, "has a malformed percent escape in its path");
        }
        return java.net.URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static IllegalArgumentException refused(String property, String rule) {
        return new IllegalArgumentException(property + " " + rule);
    }
}
