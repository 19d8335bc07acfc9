package io.portcullis.gateway.web;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Shedding client-API requests on queueing time ({@link QueueingDelay}), {@code gateway.shedding.*}.
 * The count limit ({@code gateway.max-concurrent-requests}) stays the hard ceiling either way. Off by
 * default until a quiet benchmark shows it keeps admitted requests fast at 3x capacity
 * (docs/performance.md): on a loaded machine it has not yet, and each 503 costs the client a
 * reconnection on Tomcat.
 *
 * @param enabled  whether requests that queued behind a standing queue are refused with 503
 *                 {@code overloaded}; off, only the count limit sheds
 * @param target   the wait for a thread a request may have without the queue counting as standing
 *                 (CoDel's target)
 * @param interval how long the smallest wait must stay above {@code target} before the replica
 *                 sheds, and how often it looks again (CoDel's interval)
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
