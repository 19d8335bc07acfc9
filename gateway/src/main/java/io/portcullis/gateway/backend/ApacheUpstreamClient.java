package io.portcullis.gateway.backend;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The {@link UpstreamClient} on Apache HttpClient 5's classic API ({@code gateway.upstream.client=apache}):
 * blocking HTTP/1.1 on pooled keep-alive connections. Calls run on the request's virtual thread,
 * which parks while the socket waits: each read that would block registers the socket with the
 * JDK's poller, which wakes the thread again. Apache's own exceptions are turned into the JDK's
 * and this package's ({@link UpstreamClient}), so callers need no Apache type.
 */
final class ApacheUpstreamClient implements UpstreamClient {

    private static final ContentType JSON = ContentType.create("application/json");

    private final CloseableHttpClient client;
    private final PoolingHttpClientConnectionManager pool;
    private final RequestConfig requestConfig;
    private final long responseNanos;
    private final long idleNanos;
    private final CallSweeper open;

    ApacheUpstreamClient(UpstreamProperties config) {
        Timeout connect = Timeout.of(config.connectTimeout());
        // The sweeper enforces both waits; the socket's own timeout is a backstop behind them.
        Timeout backstop = Timeout.of(max(config.responseTimeout(), config.idleTimeout()).plusSeconds(5));
        this.pool = PoolingHttpClientConnectionManagerBuilder.create()
                // LAX: a lock per backend rather than one for the whole pool
                .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.LAX)
                // LIFO keeps the warmest connections busy and lets the rest expire
                .setConnPoolPolicy(PoolReusePolicy.LIFO)
                // 4 KB rather than 8 KB of read (and write) buffer per connection: each open
                // stream holds one, and events are a few hundred bytes
                .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                        .http1Config(Http1Config.custom().setBufferSize(4096).build())
                        .build())
                .setMaxConnTotal(config.maxConnections())
                .setMaxConnPerRoute(config.maxConnections())
                .setDefaultSocketConfig(SocketConfig.custom().setTcpNoDelay(true).setSoTimeout(backstop).build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(connect)
                        .setSocketTimeout(backstop)
                        // servers close idle keep-alive connections (uvicorn after 5 s): check one
                        // that sat unused before sending a request on it. The check waits 1 ms on
                        // the socket, so not for connections in steady use (docs/performance.md)
                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                        .build())
                .build();
        this.requestConfig = RequestConfig.custom()
                .setConnectionRequestTimeout(connect)
                .setResponseTimeout(backstop)
                .setRedirectsEnabled(false)
                .build();
        this.client = HttpClients.custom()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(requestConfig)
                .disableAutomaticRetries()      // retries are the router's, across deployments
                .disableRedirectHandling()
                .disableCookieManagement()      // a backend's cookies must not leak between callers
                .disableAuthCaching()
                .disableContentCompression()    // answers are relayed as the backend sent them
                .disableConnectionState()
                .evictExpiredConnections()
                .evictIdleConnections(TimeValue.ofSeconds(10))
                .build();
        this.responseNanos = config.responseTimeout().toNanos();
        this.idleNanos = config.idleTimeout().toNanos();
        this.open = new CallSweeper(config);
    }

    @Override
    public UpstreamAnswer post(URI uri, byte[] body, String... headers) throws IOException {
        var request = new HttpPost(uri);
        request.setEntity(new ByteArrayEntity(body, JSON));
        return execute(request, headers);
    }

    @Override
    public UpstreamAnswer post(URI uri, StreamedBody body, String... headers) throws IOException {
        var request = new HttpPost(uri);
        var watch = new CallWatch(request::cancel);
        request.setEntity(new AbstractHttpEntity(body.contentType(), null, false) {
            @Override
            public long getContentLength() {
                return body.length();
            }

            @Override
            public InputStream getContent() {
                throw new UnsupportedOperationException("written, not read");
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                body.writeTo(out, () -> watch.waiting(idleNanos));
                watch.waiting(responseNanos);
            }

            @Override
            public boolean isStreaming() {
                return false; // repeatable: written from its start on each call
            }

            @Override
            public void close() {
            }
        });
        return execute(request, watch, headers);
    }

    @Override
    public UpstreamAnswer send(String method, URI uri, String... headers) throws IOException {
        return execute(new HttpUriRequestBase(method, uri), headers);
    }

    private UpstreamAnswer execute(HttpUriRequestBase request, String... headers) throws IOException {
        return execute(request, new CallWatch(request::cancel), headers);
    }

    private UpstreamAnswer execute(HttpUriRequestBase request, CallWatch watch, String... headers) throws IOException {
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.addHeader(headers[i], headers[i + 1]);
        }
        open.watch(watch);
        watch.waiting(responseNanos);
        ClassicHttpResponse response;
        try {
            response = client.executeOpen(null, request, null);
        } catch (IOException | RuntimeException e) {
            abandon(request, watch);
            if (watch.timedOut()) {
                throw new SocketTimeoutException("no answer within the response timeout");
            }
            if (e instanceof IOException io) {
                throw translated(io);
            }
            throw e;
        } finally {
            watch.done();
        }
        try {
            return new ApacheAnswer(request, response, watch);
        } catch (IOException | RuntimeException e) {
            abandon(request, watch);
            throw e;
        }
    }

    /**
     * Apache's exceptions as the JDK's and this package's, so that callers (Failover) need no
     * Apache type. Its connect timeout is an {@code InterruptedIOException}, like the JDK's
     * {@link SocketTimeoutException}: it must not be mistaken for a response timeout.
     */
    private static IOException translated(IOException e) {
        return switch (e) {
            case ConnectionRequestTimeoutException c ->
                    new NoFreeConnectionException("no free connection within the connect timeout");
            case ConnectTimeoutException c -> {
                var connect = new ConnectException("no connection within the connect timeout: " + c.getMessage());
                connect.initCause(c);
                yield connect;
            }
            case NoHttpResponseException n -> new ClosedWithoutAnswerException(n.getMessage(), n);
            default -> e;
        };
    }

    /** Stops watching a call and cancels it, closing its connection. */
    private void abandon(HttpUriRequestBase request, CallWatch watch) {
        open.forget(watch);
        request.cancel();
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public int openConnections() {
        var stats = pool.getTotalStats();
        return stats.getLeased() + stats.getAvailable();
    }

    @Override
    public int idleConnections() {
        return pool.getTotalStats().getAvailable();
    }

    @Override
    public void close() {
        open.close();
        client.close(org.apache.hc.core5.io.CloseMode.IMMEDIATE);
    }

    /** A backend's answer: status and headers now, the body as it arrives. */
    private final class ApacheAnswer implements UpstreamAnswer {
        private final HttpUriRequestBase request;
        private final ClassicHttpResponse response;
        private final UpstreamBody body;
        private final CallWatch watch;

        private ApacheAnswer(HttpUriRequestBase request, ClassicHttpResponse response, CallWatch watch) throws IOException {
            this.request = request;
            this.response = response;
            this.watch = watch;
            HttpEntity entity = response.getEntity();
            InputStream content = entity == null ? InputStream.nullInputStream() : entity.getContent();
            this.body = new UpstreamBody(content, watch, idleNanos);
        }

        @Override
        public int status() {
            return response.getCode();
        }

        @Override
        public String header(String name) {
            Header header = response.getFirstHeader(name);
            return header == null ? null : header.getValue();
        }

        @Override
        public UpstreamBody body() {
            return body;
        }

        @Override
        public void close() {
            open.forget(watch);
            if (!body.finished()) {
                request.cancel();
            }
            try {
                response.close();
            } catch (IOException e) {
                // the connection is discarded either way
            }
        }
    }
}
