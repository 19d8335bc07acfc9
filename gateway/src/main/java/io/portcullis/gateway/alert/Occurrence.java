package io.portcullis.gateway.alert;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One event that may happen: what {@link AlertOutboxStore#decide} makes happen at most once
 * across every replica. Its identity is {@code (event, scope, metric, windowStart, percent)}.
 *
 * @param scope       {@code team} or {@code key}
 * @param metric      the limit's name as in {@code limits} ({@code tokensPerDay}...), or {@code expiresAt}
 * @param windowStart epoch second of the calendar window, or of {@code expiresAt} for {@code key.expiring}
 * @param percent     the threshold crossed; 100 for exhausted; days left for {@code key.expiring}
 * @param used        what the limit had used as the noticing replica saw it; null for {@code key.expiring}
 * @param limit       the limit; null for {@code key.expiring}
 * @param window      the window as a local date ({@code 2026-12-06}) or month ({@code 2026-12}); null for expiry
 * @param expiresAt   the key's expiry ({@code key.expiring} only)
 */
record Occurrence(AlertEvent event, String scope, UUID scopeId, String name, String metric, long windowStart,
                  int percent, BigDecimal used, BigDecimal limit, String window, Instant expiresAt) {
    Occurrence {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(scopeId, "scopeId");
        Objects.requireNonNull(metric, "metric");
    }

    /** The quota scope ({@code team:<uuid>}): the decision row's scope. */
    String scopeKey() {
        return scope + ":" + scopeId;
    }
}
