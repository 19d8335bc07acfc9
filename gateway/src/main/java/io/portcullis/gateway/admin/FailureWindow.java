package io.portcullis.gateway.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Failures per key (a client address, an account) in fixed windows: once a key has used up its
 * allowance it is refused until its window ends. A refusal does not count, so a key that keeps
 * knocking is let in again when its window is over. Held in memory, bounded (the least recently
 * used keys are forgotten first).
 */
final class FailureWindow {

    private record Count(Instant start, int failures) {
    }

    private final int limit;
    private final Duration window;
    private final InstantSource clock;
    private final Cache<String, Count> counts;

    FailureWindow(int limit, Duration window, InstantSource clock) {
        this.limit = limit;
        this.window = window;
        this.clock = clock;
        this.counts = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(window.multipliedBy(2)).build();
    }

    /** @return how long the key is still refused, zero when it may try */
    Duration refusedFor(String key) {
        Count count = counts.getIfPresent(key);
        Instant now = clock.instant();
        if (count == null || count.failures() < limit || expired(count, now)) {
            return Duration.ZERO;
        }
        return Duration.between(now, count.start().plus(window));
    }

    /** @return true exactly when this failure used up the key's allowance (its first refusal comes next) */
    boolean failed(String key) {
        Instant now = clock.instant();
        Count count = counts.asMap().compute(key, (k, old) -> old == null || expired(old, now) ? new Count(now, 1)
                : new Count(old.start(), old.failures() + 1));
        return count.failures() == limit;
    }

    private boolean expired(Count count, Instant now) {
        return !now.isBefore(count.start().plus(window));
    }
}
