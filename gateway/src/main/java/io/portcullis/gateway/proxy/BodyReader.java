package io.portcullis.gateway.proxy;

import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ClientExchange;
import io.portcullis.gateway.web.GatewayException;
import io.portcullis.gateway.web.MalformedBodyException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import org.springframework.stereotype.Component;

/**
 * Reads a client-API request body without taking memory it has not been granted. The body grows
 * in chunks as it arrives, never to what was declared but not received: a first chunk of at most
 * {@value #FIRST_CHUNK} bytes (a typical request: one array of its exact size, one read), then
 * doubling, each new buffer reserved in the {@link BodyBudget} before it is allocated. Before the
 * first byte, the key takes one of its few body slots ({@link BodyReadSlots}); the whole body
 * must arrive within an absolute deadline, however steadily it trickles.
 *
 * <p>Answers, all in the contract's shape: 413 {@code request_too_large} over
 * {@code gateway.max-request-bytes} (declared or sent); 429 {@code rate_limit_exceeded} when the
 * key already has its share of bodies arriving; 503 {@code overloaded} when the budget has no
 * room for the next chunk; 408 {@code request_timeout} past the deadline, or when the client stops
 * sending or leaves; 400 when the body ends before its {@code Content-Length}. {@code Retry-After: 1}
 * on 429 and 503.
 */
@Component
class BodyReader {

    /** Bytes any request may hold before the budget is asked (see {@link BodyBudget.Lease#reserveAlways}). */
    static final int FIRST_CHUNK = 16 * 1024;
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final BodyBudget budget;
    private final BodyReadSlots slots = new BodyReadSlots();
    private final int maxRequestBytes;
    private final long deadlineNanos;
    private final int readsPerKey;

    BodyReader(BodyBudget budget, ProxyProperties gateway, RequestBodyProperties properties) {
        this.budget = budget;
        this.maxRequestBytes = (int) gateway.maxRequestBytes().toBytes();
        this.deadlineNanos = properties.deadline().toNanos();
        this.readsPerKey = properties.readsPerKey();
    }

    /**
     * The body of {@code caller}'s request, its memory held by {@code lease} until the lease is
     * closed (when the request ends).
     */
    byte[] read(ClientExchange request, Caller caller, BodyBudget.Lease lease) {
        long declared = request.contentLength();
        if (declared > maxRequestBytes) {
            throw ApiError.requestTooLarge(maxRequestBytes).toException();
        }
        takeSlot(caller);
        try {
            return receive(request.body(), declared, lease, request);
        } catch (MalformedBodyException e) {
            throw ApiError.invalidRequest("Malformed request body: " + e.getMessage(), null).toException();
        } catch (IOException e) {
            // past the deadline, a body that stops arriving (connection timeout) or a client that leaves
            // (Tomcat itself answers a read that timed out: the same 408, through its error dispatch)
            throw ApiError.requestTimeout().toException();
        } finally {
            request.restoreReadTime();
            releaseSlot(caller);
        }
    }

    /**
     * Takes one of the key's body slots, for a body read elsewhere ({@link UploadReader});
     * {@link #releaseSlot} once the body is in.
     *
     * @throws GatewayException 429 {@code rate_limit_exceeded} when the key has its share arriving
     */
    void takeSlot(Caller caller) {
        int slotLimit = slotLimit(caller);
        if (!slots.tryTake(caller.keyId(), slotLimit)) {
            throw new GatewayException(new ApiError(429, "This key already has " + slotLimit
                    + " request bodies arriving at this gateway; retry shortly", "requests", null,
                    "rate_limit_exceeded"), RETRY_AFTER);
        }
    }

    void releaseSlot(Caller caller) {
        slots.release(caller.keyId());
    }

    /** 503 {@code overloaded}: the body budget has no room for the next chunk. */
    static GatewayException overloaded() {
        return new GatewayException(new ApiError(503, "The gateway is receiving as many request bodies as its "
                + "memory allows; retry shortly", "server_error", null, "overloaded"), RETRY_AFTER);
    }

    /** The smaller of {@code gateway.request-body.reads-per-key} and the key's own concurrency limit. */
    private int slotLimit(Caller caller) {
        Long keyLimit = caller.limits().maxConcurrentRequests();
        return keyLimit == null ? readsPerKey : (int) Math.min(readsPerKey, keyLimit);
    }

    private byte[] receive(InputStream in, long declared, BodyBudget.Lease lease, ClientExchange request)
            throws IOException {
        long deadline = System.nanoTime() + deadlineNanos;
        // the most this body may need: exactly what was declared, or one byte past the limit to detect it
        int most = declared >= 0 ? (int) declared : maxRequestBytes + 1;
        byte[] buffer = new byte[reserveFirst(lease, Math.min(most, FIRST_CHUNK))];
        int received = 0;
        while (true) {
            if (received == buffer.length) {
                if (received == most) {
                    break;
                }
                buffer = grow(buffer, most, lease);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new java.net.SocketTimeoutException("request body deadline");
            }
            request.limitReadTime(Duration.ofNanos(left).toMillis());
            int n = in.read(buffer, received, buffer.length - received);
            if (n < 0) {
                break;
            }
            received += n;
        }
        if (received > maxRequestBytes) {
            throw ApiError.requestTooLarge(maxRequestBytes).toException();
        }
        if (declared >= 0) {
            if (received < declared) {
                throw ApiError.invalidRequest("The request body ended before its declared Content-Length", null)
                        .toException();
            }
            return buffer;
        }
        return exactCopy(buffer, received, lease);
    }

    private static int reserveFirst(BodyBudget.Lease lease, int bytes) {
        lease.reserveAlways(bytes);
        return bytes;
    }

    /** The next, doubled buffer: reserved before it exists, the old one given back once copied. */
    private static byte[] grow(byte[] buffer, int most, BodyBudget.Lease lease) {
        int next = (int) Math.min(most, 2L * buffer.length);
        if (!lease.tryReserve(next)) {
            throw overloaded();
        }
        byte[] grown = Arrays.copyOf(buffer, next);
        lease.release(buffer.length);
        return grown;
    }

    /**
     * A body without {@code Content-Length} (chunked) trimmed to what arrived. The copy is counted
     * but not refused: it is never larger than the buffer it replaces, given back right after.
     */
    private static byte[] exactCopy(byte[] buffer, int received, BodyBudget.Lease lease) {
        if (received == buffer.length) {
            return buffer;
        }
        lease.reserveAlways(received);
        byte[] body = Arrays.copyOf(buffer, received);
        lease.release(buffer.length);
        return body;
    }
}
