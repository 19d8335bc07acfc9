package io.portcullis.gateway.backend;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The one HTTP client behind every backend call: blocking HTTP/1.1 on pooled keep-alive
 * connections (Apache HttpClient 5, classic API). Calls run on the request's virtual thread, which
 * parks while the socket waits, so nothing here hands work between threads: the JDK's
 * asynchronous client did, and its futures, schedulers and selector hand-offs were the largest
 * cost per request (docs/performance.md).
 *
 * <p>Three limits bound a call: the connect timeout; the response timeout, until the answer's
 * status and headers arrive; and the idle timeout, the longest a read of the body may wait. The
 * last is enforced by one sweeper thread for all open answers rather than a timer per read.
 *
 * <p>The sweeper is not on the housekeeper: it is part of every call's timeouts, runs up to a
 * hundred times a second (an eighth of the shortest timeout), and lives exactly as long as this
 * client, which closes after the housekeeper has stopped. Closing stops it by the housekeeper's
 * rule: the sweep in progress finishes, waited for up to a second, then it is left behind.
 */
public final class UpstreamClient implements AutoCloseable {

    private static final ContentType JSON = ContentType.create("application/json");

    private final CloseableHttpClient client;
    private final PoolingHttpClientConnectionManager pool;
    private final RequestConfig requestConfig;
    private final long responseNanos;
    private final long idleNanos;
    private final Set<CallWatch> open = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService sweeper;

    public UpstreamClient(UpstreamProperties config) {
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
        long sweepMillis = Math.clamp(min(config.responseTimeout(), config.idleTimeout()).toMillis() / 8, 10, 1000);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("upstream-idle-sweeper").factory());
        sweeper.scheduleWithFixedDelay(this::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Sends a JSON POST and returns once the answer's status and headers have arrived. The caller
     * must close the answer: read to its end, its connection goes back to the pool; closed early,
     * the connection is dropped.
     *
     * @param headers name, value, name, value... (the client sets Host, Content-Length and Content-Type)
     * @throws java.net.ConnectException nothing accepts connections there (or none within the connect timeout:
     *                                   {@link org.apache.hc.client5.http.ConnectTimeoutException})
     * @throws java.net.SocketTimeoutException no answer within the response timeout
     * @throws org.apache.hc.core5.http.ConnectionRequestTimeoutException the pool had no free connection in time
     */
    public UpstreamAnswer post(URI uri, byte[] body, String... headers) throws IOException {
        var request = new HttpPost(uri);
        request.setEntity(new ByteArrayEntity(body, JSON));
        return execute(request, headers);
    }

    /**
     * Sends a POST whose body is written as it goes ({@link StreamedBody}), with the same limits
     * and the same caller duty as {@link #post(URI, byte[], String...)}: while the body is being
     * written, each chunk must leave within the idle timeout; the response timeout starts once the
     * last byte has been sent, so a large upload is not cut for taking longer than an answer may.
     */
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

    /**
     * Sends a request without a body ({@code GET}, {@code DELETE}: the Responses API's stored
     * responses), with the same limits and the same caller duty to close the answer as {@link #post}.
     */
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
        open.add(watch);
        watch.waiting(responseNanos);
        ClassicHttpResponse response;
        try {
            response = client.executeOpen(null, request, null);
        } catch (IOException | RuntimeException e) {
            abandon(request, watch);
            if (watch.timedOut()) {
                throw new SocketTimeoutException("no answer within the response timeout");
            }
            throw e;
        } finally {
            watch.done();
        }
        try {
            return new UpstreamAnswer(request, response, watch);
        } catch (IOException | RuntimeException e) {
            abandon(request, watch);
            throw e;
        }
    }

    /** Stops watching a call and cancels it, closing its connection. */
    private void abandon(HttpUriRequestBase request, CallWatch watch) {
        open.remove(watch);
        request.cancel();
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private void sweep() {
        long now = System.nanoTime();
        for (CallWatch watch : open) {
            watch.expireIfStalled(now);
        }
    }

    @Override
    public void close() {
        sweeper.shutdown();
        try {
            sweeper.awaitTermination(1, TimeUnit.SECONDS); // a sweep takes microseconds: a bound, not a wait
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sweeper.shutdownNow();
        client.close(org.apache.hc.core5.io.CloseMode.IMMEDIATE);
    }

    /** A backend's answer: status and headers now, the body as it arrives. */
    public final class UpstreamAnswer implements AutoCloseable {
        private final HttpUriRequestBase request;
        private final ClassicHttpResponse response;
        private final UpstreamBody body;
        private final CallWatch watch;

        private UpstreamAnswer(HttpUriRequestBase request, ClassicHttpResponse response, CallWatch watch) throws IOException {
            this.request = request;
            this.response = response;
            this.watch = watch;
            HttpEntity entity = response.getEntity();
            InputStream content = entity == null ? InputStream.nullInputStream() : entity.getContent();
            this.body = new UpstreamBody(content, watch, idleNanos);
        }

        public int status() {
            return response.getCode();
        }

        /** The first value of a header, or null. */
        public String header(String name) {
            Header header = response.getFirstHeader(name);
            return header == null ? null : header.getValue();
        }

        /** The body; reads fail once the backend has been silent for the idle timeout ({@link UpstreamBody#timedOut()}). */
        public UpstreamBody body() {
            return body;
        }

        /**
         * Read to its end, the connection goes back to the pool. Otherwise (the client left, a
         * retry dropped this answer, the backend stalled) the exchange is cancelled and its
         * connection closed: draining an endless stream to reuse it would never return.
         */
        @Override
        public void close() {
            open.remove(watch);
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
