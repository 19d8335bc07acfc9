package io.portcullis.gateway.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes {@link ApiError}s straight to the answer, for code that runs outside Spring MVC's message
 * converters: to a servlet response (filters, security entry points) or to a
 * {@link ClientExchange} (the client API, whichever server carries it).
 */
public final class ErrorWriter {

    /** The errors' content type, as a servlet sends {@code application/json} in UTF-8. */
    public static final String JSON_UTF8 = "application/json;charset=UTF-8";

    private ErrorWriter() {
    }

    /** Writes the error unless the response is already committed (then there is nothing to say). */
    public static void write(HttpServletResponse response, ApiError error) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        response.setStatus(error.status());
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        byte[] body = toJson(error).getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.flushBuffer();
    }

    /** Writes the exception's error, with {@code Retry-After} in whole seconds (rounded up) when it has one. */
    public static void write(HttpServletResponse response, GatewayException e) throws IOException {
        retryAfter(response, e);
        write(response, e.error());
    }

    /** Sets {@code Retry-After} in whole seconds, rounded up, when the exception carries a wait. */
    public static void retryAfter(HttpServletResponse response, GatewayException e) {
        if (!e.retryAfter().isZero() && !response.isCommitted()) {
            response.setHeader("Retry-After", retryAfterSeconds(e));
        }
    }

    /** Writes the error unless the answer is already committed (then there is nothing to say). */
    public static void write(ClientExchange exchange, ApiError error) throws IOException {
        if (exchange.committed()) {
            return;
        }
        exchange.resetBuffer();
        exchange.status(error.status());
        exchange.header("Content-Type", JSON_UTF8);
        byte[] body = toJson(error).getBytes(StandardCharsets.UTF_8);
        exchange.contentLength(body.length);
        exchange.output().write(body);
        exchange.flush();
    }

    /** Writes the exception's error, with {@code Retry-After} in whole seconds (rounded up) when it has one. */
    public static void write(ClientExchange exchange, GatewayException e) throws IOException {
        retryAfter(exchange, e);
        write(exchange, e.error());
    }

    /** Sets {@code Retry-After} in whole seconds, rounded up, when the exception carries a wait. */
    public static void retryAfter(ClientExchange exchange, GatewayException e) {
        if (!e.retryAfter().isZero() && !exchange.committed()) {
            exchange.header("Retry-After", retryAfterSeconds(e));
        }
    }

    /** The wait in whole seconds, rounded up: a client retrying on the dot must not be refused again. */
    private static String retryAfterSeconds(GatewayException e) {
        long millis = e.retryAfter().toMillis();
        return Long.toString(Math.max(1, (millis + 999) / 1000));
    }

    /** Serialises without a mapper so that an error can always be written, even from a broken state. */
    public static String toJson(ApiError error) {
        var sb = new StringBuilder(128 + error.message().length());
        sb.append("{\"error\":{\"message\":");
        quote(sb, error.message());
        sb.append(",\"type\":");
        quote(sb, error.type());
        sb.append(",\"param\":");
        quote(sb, error.param());
        sb.append(",\"code\":");
        quote(sb, error.code());
        sb.append("}}");
        return sb.toString();
    }

    /** Appends a JSON string (or null), escaped. */
    public static void quote(StringBuilder sb, String s) {
        if (s == null) {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
