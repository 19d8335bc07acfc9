package io.portcullis.gateway.proxy;

import io.portcullis.gateway.web.ClientExchange;
import io.portcullis.gateway.web.GatewayHttp11NioProtocol;
import io.portcullis.gateway.web.RequestIdFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * A client-API request carried by the servlet container (Tomcat): the {@link ClientExchange}
 * over a servlet request and response, so that {@link ClientApi} serves it as it serves the
 * data plane's. Each call is the servlet call the request path made before it had this seam, so
 * nothing about the answers changes: Tomcat still buffers, commits and chunks them.
 */
final class ServletExchange implements ClientExchange {

    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private String requestId;
    /** The connection's read timeout, reached only when a body read is first bounded. */
    private SocketReadTimeout readTimeout;

    ServletExchange(HttpServletRequest request, HttpServletResponse response) {
        this.request = request;
        this.response = response;
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String path() {
        return request.getRequestURI();
    }

    @Override
    public String query() {
        return request.getQueryString();
    }

    @Override
    public String header(String name) {
        return request.getHeader(name);
    }

    @Override
    public List<String> headers(String name) {
        return headers(request, name);
    }

    /** Most headers are sent once, and then no list is built for them beyond {@code List.of}. */
    static List<String> headers(HttpServletRequest request, String name) {
        Enumeration<String> values = request.getHeaders(name);
        if (values == null || !values.hasMoreElements()) {
            return List.of();
        }
        String first = values.nextElement();
        if (!values.hasMoreElements()) {
            return List.of(first);
        }
        List<String> all = new ArrayList<>(4);
        all.add(first);
        while (values.hasMoreElements()) {
            all.add(values.nextElement());
        }
        return all;
    }

    @Override
    public Iterable<String> headerNames() {
        Enumeration<String> names = request.getHeaderNames();
        return names == null ? List.of() : Collections.list(names);
    }

    /** Measured by the connector for the dispatch running on this thread ({@link GatewayHttp11NioProtocol}). */
    @Override
    public long waitedNanos() {
        return GatewayHttp11NioProtocol.waitedNanos();
    }

    @Override
    public long contentLength() {
        return request.getContentLengthLong();
    }

    @Override
    public String contentType() {
        return request.getContentType();
    }

    @Override
    public String remoteAddress() {
        return request.getRemoteAddr();
    }

    /** The id {@link RequestIdFilter} gave the request (and put on the answer), read once. */
    @Override
    public String requestId() {
        if (requestId == null) {
            requestId = RequestIdFilter.of(request);
        }
        return requestId;
    }

    @Override
    public InputStream body() throws IOException {
        return request.getInputStream();
    }

    @Override
    public void limitReadTime(long millis) {
        if (readTimeout == null) {
            // the connection's own timeout is taken here, before anything shortens it
            readTimeout = SocketReadTimeout.of(request);
        }
        readTimeout.limitTo(millis);
    }

    @Override
    public void restoreReadTime() {
        if (readTimeout != null) {
            readTimeout.restore();
        }
    }

    @Override
    public void status(int status) {
        response.setStatus(status);
    }

    /**
     * Tomcat takes {@code Content-Type} apart itself (a {@code charset} in it becomes the
     * response's encoding), so {@code text/event-stream;charset=UTF-8} is sent exactly as
     * {@code setContentType} and {@code setCharacterEncoding} sent it before.
     */
    @Override
    public void header(String name, String value) {
        if ("Content-Type".equalsIgnoreCase(name)) {
            response.setContentType(value);
        } else {
            response.setHeader(name, value);
        }
    }

    @Override
    public void contentLength(long length) {
        response.setContentLengthLong(length);
    }

    @Override
    public boolean committed() {
        return response.isCommitted();
    }

    @Override
    public void resetBuffer() {
        response.resetBuffer();
    }

    @Override
    public OutputStream output() throws IOException {
        return response.getOutputStream();
    }

    @Override
    public void flush() throws IOException {
        response.flushBuffer();
    }
}
