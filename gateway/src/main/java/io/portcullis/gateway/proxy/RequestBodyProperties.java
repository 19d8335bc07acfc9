package io.portcullis.gateway.proxy;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How client-API request bodies may use memory while they arrive ({@code gateway.request-body.*},
 * docs/operations.md "Request bodies"). The largest body is {@code gateway.max-request-bytes}.
 *
 * @param budget       bytes all request bodies may hold at once on this replica, counted as they
 *                     arrive, until their request ends; beyond it a body that needs more is refused
 *                     with 503 {@code overloaded}. Every request may always hold its first
 *                     {@value BodyReader#FIRST_CHUNK} bytes, which the heap share of
 *                     {@code gateway.max-concurrent-requests} already covers. Unset: a quarter of
 *                     the maximum heap ({@value #HEAP_DIVISOR}), at least
 *                     {@value #MIN_DEFAULT_BUDGET_MIB} MiB
 * @param deadline     longest time a body may take to arrive, from the first read to the last,
 *                     however steadily it trickles (408 {@code request_timeout} after it); Tomcat's
 *                     {@code server.tomcat.connection-timeout} still bounds each single read
 * @param readsPerKey  bodies one key may have arriving at once on this replica (the key's
 *                     {@code maxConcurrentRequests} when lower); one more is refused with 429
 *                     {@code rate_limit_exceeded} before its body is read, so one key cannot hold
 *                     the whole budget
 * @param uploadDeadline longest time a multipart upload (up to {@code gateway.max-upload-bytes},
 *                     spooled to disk) may take to arrive; uploads are larger than JSON bodies, so
 *                     they get a deadline of their own
 */
@ConfigurationProperties(RequestBodyProperties.PREFIX)
public record RequestBodyProperties(DataSize budget,
                                    @DefaultValue("30s") Duration deadline,
                                    @DefaultValue("16") int readsPerKey,
                                    @DefaultValue("10m") Duration uploadDeadline) {

    public static final String PREFIX = "gateway.request-body";
    /** The default budget is the maximum heap divided by this. */
    static final int HEAP_DIVISOR = 4;
    static final int MIN_DEFAULT_BUDGET_MIB = 16;

    public RequestBodyProperties {
        if (budget == null) {
            budget = DataSize.ofBytes(budgetForHeap(Runtime.getRuntime().maxMemory()));
        } else if (budget.toBytes() < BodyReader.FIRST_CHUNK) {
            throw new IllegalArgumentException(PREFIX + ".budget must be at least " + BodyReader.FIRST_CHUNK + "B");
        }
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException(PREFIX + ".deadline must be positive");
        }
        if (uploadDeadline.isNegative() || uploadDeadline.isZero()) {
            throw new IllegalArgumentException(PREFIX + ".upload-deadline must be positive");
        }
        if (readsPerKey < 1) {
            throw new IllegalArgumentException(PREFIX + ".reads-per-key must be at least 1");
        }
    }

    /** The default budget for a JVM whose heap may grow to {@code maxHeapBytes}. */
    static long budgetForHeap(long maxHeapBytes) {
        return Math.max(maxHeapBytes / HEAP_DIVISOR, MIN_DEFAULT_BUDGET_MIB * 1024L * 1024L);
    }
}
