package io.portcullis.gateway.backend;

import java.io.IOException;
import java.net.URI;

/**
 * The one HTTP client behind every backend call: HTTP/1.1 on pooled keep-alive connections, called
 * on the request's virtual thread, which waits (parks) until the answer's head arrives and then
 * reads its body as it comes. Two implementations, chosen by {@code gateway.upstream.client}:
 * {@link NettyUpstreamClient} (the default: non-blocking sockets on a small event loop group of
 * its own) and {@link ApacheUpstreamClient} (Apache HttpClient 5 classic, blocking sockets).
 *
 * <p>Three limits bound a call: the connect timeout; the response timeout, until the answer's
 * status and headers arrive; and the idle timeout, the longest a read of the body may wait. The
 * last two are enforced by one sweeper thread for all open answers ({@link CallSweeper}) rather
 * than a timer per read; a call past its limit is cancelled, which closes its connection, and
 * {@link UpstreamBody#timedOut()} tells it apart from other failures.
 *
 * <p>{@code gateway.upstream.max-connections} bounds the connections open to one backend address
 * and in all; a call that finds none free waits up to the connect timeout, then fails with
 * {@link NoFreeConnectionException}.
 *
 * <p>Failures are the JDK's: {@link java.net.ConnectException} (nothing accepts connections there,
 * or not within the connect timeout), {@link java.net.UnknownHostException},
 * {@link java.net.SocketTimeoutException} (no answer within the response timeout), plus the two of
 * this package, {@link NoFreeConnectionException} and {@link ClosedWithoutAnswerException}; any
 * other {@link IOException} is a broken exchange (TLS refused, not HTTP, cut mid-answer).
 */
public interface UpstreamClient extends AutoCloseable {

    /**
     * Sends a JSON POST and returns once the answer's status and headers have arrived. The caller
     * must close the answer: read to its end, its connection goes back to the pool; closed early,
     * the connection is dropped.
     *
     * @param headers name, value, name, value... (the client sets Host, Content-Length and Content-Type)
     */
    UpstreamAnswer post(URI uri, byte[] body, String... headers) throws IOException;

    /**
     * Sends a POST whose body is written as it goes ({@link StreamedBody}), with the same limits
     * and the same caller duty as {@link #post(URI, byte[], String...)}: while the body is being
     * written, each chunk must leave within the idle timeout; the response timeout starts once the
     * last byte has been sent, so a large upload is not cut for taking longer than an answer may.
     */
    UpstreamAnswer post(URI uri, StreamedBody body, String... headers) throws IOException;

    /**
     * Sends a request without a body ({@code GET}, {@code DELETE}: the Responses API's stored
     * responses), with the same limits and the same caller duty to close the answer as {@link #post}.
     */
    UpstreamAnswer send(String method, URI uri, String... headers) throws IOException;

    /** Closes every connection and stops the sweeper; calls under way fail. */
    @Override
    void close();

    /** Connections to backends open now, in use or idle ({@code portcullis_upstream_connections{state="open"}}). */
    int openConnections();

    /** Of those, the ones idle in the pool, ready for the next call ({@code state="idle"}). */
    int idleConnections();

    /**
     * HTTP/2 connections open now ({@code portcullis_upstream_http2_connections}), each carrying up
     * to 256 calls as streams; the streams count among {@link #openConnections()}. None but with
     * {@code gateway.upstream.http2-hosts}.
     */
    default int http2Connections() {
        return 0;
    }

    /** A backend's answer: status and headers now, the body as it arrives. */
    interface UpstreamAnswer extends AutoCloseable {

        int status();

        /** The first value of a header, or null. */
        String header(String name);

        /** The body; reads fail once the backend has been silent for the idle timeout ({@link UpstreamBody#timedOut()}). */
        UpstreamBody body();

        /**
         * Read to its end, the connection goes back to the pool. Otherwise (the client left, a
         * retry dropped this answer, the backend stalled) the exchange is cancelled and its
         * connection closed: draining an endless stream to reuse it would never return.
         */
        @Override
        void close();
    }
}
