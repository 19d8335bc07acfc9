package io.portcullis.gateway.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * One client-API request and its answer, whichever server carries it: a servlet container
 * (Tomcat, the control plane's server) or the Netty data plane. The request path of {@code /v1}
 * (auth, body, policy, quotas, forwarding, metering) is written against this and nothing else, so
 * it does not depend on the server that accepted the connection.
 *
 * <p>All methods are called from the one thread serving the request (a virtual thread); the body
 * and the output block that thread, never a server's event loop.
 */
public interface ClientExchange {

    /** The request method, upper case as sent ({@code POST}). */
    String method();

    /** The request path without the query, as sent (not decoded). */
    String path();

    /** The raw query string without {@code ?}, or null when there is none. */
    String query();

    /** The first value of the header {@code name} (case-insensitive), or null. */
    String header(String name);

    /** Every value of the header {@code name} (case-insensitive), in order; empty when absent. */
    List<String> headers(String name);

    /** The names of the headers sent, each once. */
    Iterable<String> headerNames();

    /** The declared {@code Content-Length}, or -1 when none was declared (chunked). */
    long contentLength();

    /** The {@code Content-Type} header, or null. */
    default String contentType() {
        return header("Content-Type");
    }

    /** The client's address: the TCP peer, or the client a trusted proxy named ({@link TrustedProxies}). */
    String remoteAddress();

    /** The request id: the client's own {@code x-request-id} when sane, else generated; already on the answer. */
    String requestId();

    /**
     * How long the request waited for a thread before its handler started, in nanoseconds: from
     * the server handing it over (Tomcat's connector to its executor, the data plane's front door
     * to a new virtual thread) to the thread's first instruction; 0 when the server does not
     * measure it. Shedding on queueing time ({@link QueueingDelay}) judges the request by this.
     */
    long waitedNanos();

    /**
     * The request body as it arrives. A read blocks until bytes arrive, the body ends (-1), the
     * read timeout passes ({@link java.net.SocketTimeoutException}) or the client leaves
     * ({@link IOException}).
     */
    InputStream body() throws IOException;

    /**
     * Bounds each following blocking read of {@link #body()} to {@code millis} at most (never
     * longer than the server's own read timeout), for a body's absolute deadline.
     */
    void limitReadTime(long millis);

    /** Puts the server's own read timeout back, for the rest of the request and the next one. */
    void restoreReadTime();

    /** Sets the answer's status; only before it is committed. */
    void status(int status);

    /** Sets (replaces) an answer header; ignored once committed. */
    void header(String name, String value);

    /** Sets the answer's {@code Content-Length}; without it the answer is chunked (or closed) as the server sees fit. */
    void contentLength(long length);

    /** Whether the status and headers have been sent: nothing about them can change any more. */
    boolean committed();

    /** Drops what was written to the answer's body but not sent yet; only before it is committed. */
    void resetBuffer();

    /**
     * The answer's body. Writes may buffer; {@link #flush()} sends the status, the headers and
     * everything written so far. A write to a client that has left fails with {@link IOException}.
     * The stream's own {@code flush()} must do what {@link #flush()} does: the stream relays flush
     * it after each event ({@code proxy.SseRelay}, {@code proxy.WholeAnswers}).
     */
    OutputStream output() throws IOException;

    /** Sends what was written so far (committing the answer), blocking while the client is slow to read. */
    void flush() throws IOException;

    /**
     * The answer's body has all been written: nothing follows. Fails, as {@link #flush()} does,
     * when the client has left; a server that holds the answer so far may instead send it once
     * the handler returns, whole and with its length (the data plane: one write and one wake-up
     * of its event loop instead of a chunked head, body and end). By default a flush.
     */
    default void complete() throws IOException {
        flush();
    }
}
