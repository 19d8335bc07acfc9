package io.portcullis.policy.quota;

import java.util.Objects;

/**
 * Names one shared quota counter.
 *
 * @param scope       {@code key:<uuid>} or {@code team:<uuid>}
 * @param metric      which quota
 * @param windowStart epoch second at which the calendar window began; 0 for buckets and slots
 */
public record LeaseKey(String scope, Metric metric, long windowStart) {
    public LeaseKey {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(metric, "metric");
    }
}
