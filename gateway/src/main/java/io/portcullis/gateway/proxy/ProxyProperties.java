package io.portcullis.gateway.proxy;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The client API's admission limits, {@code gateway.max-request-bytes},
 * {@code gateway.max-upload-bytes} and {@code gateway.max-concurrent-requests}. Both sit directly under {@code gateway}, so this record
 * binds at {@value #PREFIX} and reads only them. How bodies may use memory while they arrive is
 * {@link RequestBodyProperties}.
 *
 * @param maxRequestBytes largest request body accepted on /v1 (413 above it)
 * @param maxConcurrentRequests client-API requests handled at once, streams included; one more is
 *                        refused at once with 503 {@code overloaded} and {@code Retry-After}, so a
 *                        burst beyond what the replica can serve pushes back on its callers (and the
 *                        load balancer) instead of piling up until memory runs out. By default one
 *                        per {@value #HEAP_PER_REQUEST_KIB} KiB of maximum heap, between
 *                        {@value #MIN_DERIVED_CONCURRENCY} and {@value #MAX_DERIVED_CONCURRENCY}
 *                        (3,072 at {@code -Xmx768m}): an open stream holds about 125 KiB of heap,
 *                        so the limit leaves half the heap for everything else. Tomcat keeps as many
 *                        request processors ({@link InFlightRequests})
 * @param maxUploadBytes  largest total of the files in one multipart upload (transcriptions,
 *                        translations, image edits; 413 above it), 25 MB as OpenAI's own limit. Files
 *                        are spooled to disk, not held in memory ({@link UploadReader}); their
 *                        text fields count against {@code max-request-bytes}
 */
@ConfigurationProperties(ProxyProperties.PREFIX)
record ProxyProperties(@DefaultValue("10MB") DataSize maxRequestBytes, Integer maxConcurrentRequests,
                       @DefaultValue("25MB") DataSize maxUploadBytes) {

    static final String PREFIX = "gateway";

    /** Heap budgeted per request in flight when {@code gateway.max-concurrent-requests} is not set. */
    static final int HEAP_PER_REQUEST_KIB = 256;
    static final int MIN_DERIVED_CONCURRENCY = 64;
    static final int MAX_DERIVED_CONCURRENCY = 10_000;

    ProxyProperties {
        if (maxRequestBytes.toBytes() <= 0 || maxRequestBytes.toBytes() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("gateway.max-request-bytes must be between 1B and 2GB");
        }
        if (maxUploadBytes.toBytes() <= 0) {
            throw new IllegalArgumentException("gateway.max-upload-bytes must be positive");
        }
        if (maxConcurrentRequests == null) {
            maxConcurrentRequests = concurrencyForHeap(Runtime.getRuntime().maxMemory());
        } else if (maxConcurrentRequests < 1) {
            throw new IllegalArgumentException("gateway.max-concurrent-requests must be at least 1");
        }
    }

    /** The default concurrency limit for a JVM whose heap may grow to {@code maxHeapBytes}. */
    static int concurrencyForHeap(long maxHeapBytes) {
        long byHeap = maxHeapBytes / (HEAP_PER_REQUEST_KIB * 1024L);
        return (int) Math.clamp(byHeap, MIN_DERIVED_CONCURRENCY, MAX_DERIVED_CONCURRENCY);
    }
}
