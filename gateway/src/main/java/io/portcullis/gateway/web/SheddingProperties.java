package io.portcullis.gateway.web;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Shedding client-API requests on queueing time ({@link QueueingDelay}), {@code gateway.shedding.*}.
 * The count limit ({@code gateway.max-concurrent-requests}) stays the hard ceiling either way. Off by
 * default: at 2-3x capacity it keeps admitted requests at p99 16 ms on the data plane, but at half
 * of it a replica on one CPU also refused about 1 % during its own stalls, and each 503 costs the
 * client a reconnection on Tomcat (docs/performance.md, "Fifth pass").
 *
 * @param enabled  whether requests that queued behind a standing queue are refused with 503
 *                 {@code overloaded}; off, only the count limit sheds
 * @param target   the wait for a thread a request may have without the queue counting as standing
 *                 (CoDel's target)
 * @param interval how long the smallest wait must stay above {@code target} before the replica
 *                 sheds, and how long no request may wait above it before it stops (CoDel's
 *                 interval)
 */
@ConfigurationProperties("gateway.shedding")
public record SheddingProperties(@DefaultValue("false") boolean enabled, @DefaultValue("5ms") Duration target,
                                 @DefaultValue("100ms") Duration interval) {

    public SheddingProperties {
        if (target.isNegative() || target.isZero()) {
            throw new IllegalArgumentException("gateway.shedding.target must be positive");
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("gateway.shedding.interval must be positive");
        }
    }
}
