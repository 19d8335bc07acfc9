package io.portcullis.gateway.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every answer an {@code x-request-id}: the client's own when it sent a sane one,
 * otherwise a generated one. Runs first, so even security refusals carry it.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestIdFilter extends OncePerRequestFilter {

    /** Header name; clients and log pipelines correlate on it. */
    public static final String HEADER = "x-request-id";
    /** Request attribute under which the id is kept for the rest of the request path. */
    public static final String ATTRIBUTE = RequestIdFilter.class.getName() + ".id";

    private static final int MAX_LENGTH = 128;

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String id = request.getHeader(HEADER);
        if (!isAcceptable(id)) {
            id = generate();
        }
        request.setAttribute(ATTRIBUTE, id);
        response.setHeader(HEADER, id);
        chain.doFilter(request, response);
    }

    /** @return the id given to this request */
    public static String of(HttpServletRequest request) {
        Object id = request.getAttribute(ATTRIBUTE);
        return id != null ? id.toString() : generate();
    }

    /** Client ids are echoed into headers and logs, so only plain printable tokens are taken. */
    public static boolean isAcceptable(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == ':';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * The UUID behind a gateway-generated id ({@code req_} and 32 hex digits), so the ledger can
     * store it in 16 bytes; null for any other id (a client's own).
     */
    public static java.util.UUID uuidOf(String id) {
        if (id == null || id.length() != 36 || !id.startsWith("req_")) {
            return null;
        }
        try {
            return new java.util.UUID(Long.parseUnsignedLong(id, 4, 20, 16), Long.parseUnsignedLong(id, 20, 36, 16));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Request ids need to be unique, not secret: a fast random source is enough. */
    public static String generate() {
        var random = ThreadLocalRandom.current();
        return "req_" + Long.toHexString(random.nextLong() | Long.MIN_VALUE)
                + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
    }
}
