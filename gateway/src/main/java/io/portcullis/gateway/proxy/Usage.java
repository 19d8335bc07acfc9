package io.portcullis.gateway.proxy;

import io.portcullis.policy.quota.Units;
import java.util.Objects;

/**
 * What one request used: token counts and the other units its endpoint is priced in, reported by
 * a backend, or billed by the gateway in their place.
 *
 * @param cachedTokens prompt tokens served from the backend's cache (a subset of {@code promptTokens})
 * @param units        seconds of audio, characters and images ({@link Units#NONE} for token-only endpoints)
 */
record Usage(long promptTokens, long completionTokens, long cachedTokens, Units units) {

    /** Nothing used: what a refused request is billed. */
    static final Usage ZERO = new Usage(0, 0, 0);

    Usage {
        Objects.requireNonNull(units, "units");
    }

    /** Tokens only. */
    Usage(long promptTokens, long completionTokens, long cachedTokens) {
        this(promptTokens, completionTokens, cachedTokens, Units.NONE);
    }

    long totalTokens() {
        return promptTokens + completionTokens;
    }
}
