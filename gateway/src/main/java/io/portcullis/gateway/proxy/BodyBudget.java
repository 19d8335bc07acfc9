package io.portcullis.gateway.proxy;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The bytes every request body on this replica may hold at once ({@code gateway.request-body.budget}).
 * A body's memory is reserved here before it is allocated, chunk by chunk as the body arrives
 * ({@link BodyReader}), and given back when its request ends, whatever the ending: so the heap
 * request bodies take is bounded by this budget, not by what clients declare.
 *
 * <p>Each request holds its own reservations in a {@link Lease}, closed once when the request ends.
 */
@Component
class BodyBudget {

    private static final Logger log = LoggerFactory.getLogger(BodyBudget.class);

    /** {@code portcullis_request_body_bytes_reserved}: bytes request bodies hold now (read or being read). */
    static final String RESERVED = "portcullis.request.body.bytes.reserved";
    /** {@code portcullis_request_body_bytes_limit}: the budget, for alerts on reserved / limit. */
    static final String LIMIT = "portcullis.request.body.bytes.limit";

    private final AtomicLong reserved = new AtomicLong();
    private final long limit;

    BodyBudget(RequestBodyProperties properties, ProxyProperties gateway, MeterRegistry registry) {
        this.limit = properties.budget().toBytes();
        if (limit < gateway.maxRequestBytes().toBytes()) {
            log.warn("{}.budget ({} bytes) is below gateway.max-request-bytes ({} bytes): the largest bodies "
                    + "allowed will always be refused with 503", RequestBodyProperties.PREFIX, limit,
                    gateway.maxRequestBytes().toBytes());
        }
        Gauge.builder(RESERVED, reserved, AtomicLong::get)
                .description("Bytes request bodies hold now, reserved before allocation").register(registry);
        Gauge.builder(LIMIT, () -> limit)
                .description("gateway.request-body.budget").register(registry);
    }

    /** A new, empty holder for one request's reservations. */
    Lease lease() {
        return new Lease();
    }

    long reserved() {
        return reserved.get();
    }

    private boolean tryReserve(long bytes) {
        while (true) {
            long now = reserved.get();
            if (now + bytes > limit) {
                return false;
            }
            if (reserved.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /**
     * One request's share of the budget. Used by the request's own thread only; {@link #close()}
     * gives everything back and may be called more than once.
     */
    final class Lease implements AutoCloseable {

        private long held;

        private Lease() {
        }

        /**
         * Reserves {@code bytes} whatever the budget says: only for a request's first chunk
         * ({@link BodyReader#FIRST_CHUNK} at most, so a small request is never refused for memory
         * that large ones hold; gateway.max-concurrent-requests bounds their total), or for a
         * copy no larger than the buffer it replaces.
         */
        void reserveAlways(long bytes) {
            reserved.addAndGet(bytes);
            held += bytes;
        }

        /** Reserves {@code bytes} if the budget has room; nothing is reserved otherwise. */
        boolean tryReserve(long bytes) {
            if (!BodyBudget.this.tryReserve(bytes)) {
                return false;
            }
            held += bytes;
            return true;
        }

        /** Gives back {@code bytes} of what this lease holds (a buffer that was replaced). */
        void release(long bytes) {
            long given = Math.min(bytes, held);
            held -= given;
            reserved.addAndGet(-given);
        }

        long held() {
            return held;
        }

        @Override
        public void close() {
            release(held);
        }
    }
}
