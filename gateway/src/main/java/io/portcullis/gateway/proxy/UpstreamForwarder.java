package io.portcullis.gateway.proxy;

import io.portcullis.gateway.GatewayProperties;
import io.portcullis.gateway.backend.BackendRegistry.Route;
import io.portcullis.gateway.web.ApiError;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Step three of the request path: send the request to the backend and relay its answer as it
 * arrives. Non-streaming answers are copied through in chunks (a bounded copy is kept to read
 * {@code usage}); streams go through {@link SseRelay} event by event.
 */
@Component
class UpstreamForwarder {

    private static final Logger log = LoggerFactory.getLogger(UpstreamForwarder.class);

    /** Client headers never sent upstream: hop-by-hop, framing, and the client's own credentials. */
    private static final Set<String> DROPPED_REQUEST_HEADERS = Set.of(
            "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
            "trailer", "trailers", "transfer-encoding", "upgrade", "host", "content-length", "expect",
            "authorization", "x-api-key", "cookie", "accept-encoding", "content-type", "x-request-id",
            "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "via");
    /** Most of a non-streaming answer kept to find its usage: enough for large embedding batches. */
    static final int USAGE_CAPTURE_LIMIT = 32 * 1024 * 1024;

    private final HttpClient client;
    private final Duration responseTimeout;

    UpstreamForwarder(HttpClient client, GatewayProperties properties) {
        this.client = client;
        this.responseTimeout = properties.upstream().responseTimeout();
    }

    void forward(Exchange exchange, ClientRequest request, Route route, HttpServletRequest servletRequest,
                 HttpServletResponse response) throws IOException {
        HttpRequest upstream = upstreamRequest(exchange, request, route, servletRequest);
        long sentAt = System.nanoTime();
        HttpResponse<InputStream> answer = send(upstream, route);
        exchange.upstreamNanos = System.nanoTime() - sentAt;
        try (InputStream body = answer.body()) {
            int status = answer.statusCode();
            boolean ok = status >= 200 && status < 300;
            String contentType = answer.headers().firstValue("content-type").orElse(null);
            if (ok && request.stream() && contentType != null
                    && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
                new SseRelay(exchange, request.clientWantsUsage()).relay(body, response);
            } else {
                relayWhole(exchange, status, contentType, body, response);
            }
        } finally {
            exchange.upstreamNanos = System.nanoTime() - sentAt;
        }
    }

    private HttpRequest upstreamRequest(Exchange exchange, ClientRequest request, Route route,
                                        HttpServletRequest servletRequest) {
        var builder = HttpRequest.newBuilder(target(route, exchange.endpoint))
                .timeout(responseTimeout)
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.upstreamBody(route.upstreamModel())))
                .header("content-type", "application/json")
                .header("x-request-id", exchange.requestId);
        for (Enumeration<String> names = servletRequest.getHeaderNames(); names.hasMoreElements(); ) {
            String name = names.nextElement();
            String lower = name.toLowerCase(Locale.ROOT);
            if (DROPPED_REQUEST_HEADERS.contains(lower) || lower.startsWith("x-portcullis")) {
                continue;
            }
            for (Enumeration<String> values = servletRequest.getHeaders(name); values.hasMoreElements(); ) {
                builder.header(name, values.nextElement());
            }
        }
        if (route.backend().apiKey() != null) {
            builder.header("authorization", "Bearer " + route.backend().apiKey());
        }
        return builder.build();
    }

    private static URI target(Route route, Endpoint endpoint) {
        String base = route.backend().baseUrl().toString();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + endpoint.path());
    }

    private HttpResponse<InputStream> send(HttpRequest request, Route route) {
        String backend = route.backend().name();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw ApiError.upstreamUnavailable("Backend '" + backend + "' is unreachable").toException();
        } catch (HttpTimeoutException e) {
            throw ApiError.upstreamTimeout("Backend '" + backend + "' did not answer within "
                    + responseTimeout.toSeconds() + "s").toException();
        } catch (IOException e) {
            if (e.getCause() instanceof UnresolvedAddressException || e.getCause() instanceof ConnectException) {
                throw ApiError.upstreamUnavailable("Backend '" + backend + "' is unreachable").toException();
            }
            // The class name says enough to an operator; the client only needs to know it was the backend.
            log.info("Backend '{}' failed: {}", backend, e.toString());
            throw ApiError.upstreamError("Backend '" + backend + "' failed to give a valid HTTP answer").toException();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.upstreamUnavailable("Request interrupted while waiting for backend '" + backend + "'")
                    .toException();
        }
    }

    /** Copies a whole (non-SSE) answer, status and all, keeping a bounded copy to read its usage. */
    private static void relayWhole(Exchange exchange, int status, String contentType, InputStream body,
                                   HttpServletResponse response) throws IOException {
        boolean ok = status >= 200 && status < 300;
        var capture = new CaptureBuffer(ok ? USAGE_CAPTURE_LIMIT : 0);
        byte[] chunk = new byte[16 * 1024];
        int n = readUpstream(body, chunk);
        if (n == -2) {
            // Broke before the first byte: we can still answer with a proper error.
            throw ApiError.upstreamError("Backend closed the connection without an answer").toException();
        }
        response.setStatus(status);
        response.setContentType(contentType != null ? contentType : "application/json");
        OutputStream out = response.getOutputStream();
        while (n >= 0) {
            capture.write(chunk, n);
            if (!writeClient(exchange, out, chunk, n, status)) {
                return;
            }
            n = readUpstream(body, chunk);
        }
        if (n == -2) {
            exchange.ended(status, Outcome.UPSTREAM_BROKEN);
            return;
        }
        try {
            out.flush();
        } catch (IOException e) {
            exchange.ended(status, Outcome.CLIENT_CLOSED);
            return;
        }
        if (ok) {
            exchange.usage = capture.overflowed() ? Exchange.Usage.NONE
                    : ProxyJson.usageOfBody(capture.bytes(), capture.size());
            exchange.ended(status, Outcome.SUCCESS);
        } else {
            exchange.ended(status, Outcome.BACKEND_ERROR);
        }
    }

    /** @return bytes read, -1 at the end, -2 when the backend broke off */
    private static int readUpstream(InputStream body, byte[] chunk) {
        try {
            return body.read(chunk);
        } catch (IOException e) {
            return -2;
        }
    }

    private static boolean writeClient(Exchange exchange, OutputStream out, byte[] chunk, int n, int status) {
        try {
            out.write(chunk, 0, n);
            return true;
        } catch (IOException e) {
            exchange.ended(status, Outcome.CLIENT_CLOSED);
            return false;
        }
    }

    /** A growable copy that stops growing at its limit rather than failing the request. */
    private static final class CaptureBuffer {
        private final int limit;
        private byte[] bytes = new byte[0];
        private int size;
        private boolean overflowed;

        CaptureBuffer(int limit) {
            this.limit = limit;
        }

        void write(byte[] chunk, int n) {
            if (overflowed || limit == 0) {
                return;
            }
            if (size + n > limit) {
                overflowed = true;
                bytes = null;
                return;
            }
            if (size + n > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.min(limit, Math.max(size + n, bytes.length * 2 + 4096)));
            }
            System.arraycopy(chunk, 0, bytes, size, n);
            size += n;
        }

        boolean overflowed() {
            return overflowed;
        }

        byte[] bytes() {
            return bytes;
        }

        int size() {
            return size;
        }
    }
}
