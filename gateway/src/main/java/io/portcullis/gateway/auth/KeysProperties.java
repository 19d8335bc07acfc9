package io.portcullis.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.keys.*}: API key hashing, caching and the failed-authentication throttle.
 *
 * @param pepper       server-side secret mixed into every key hash ({@code GATEWAY_KEYS_PEPPER}), at
 *                     least {@value #PEPPER_MIN_BYTES} bytes; when empty, one is generated and kept in
 *                     the database ({@link PepperConfiguration}: fine for a laptop, not for production,
 *                     see docs/architecture.md)
 * @param cacheTtl     how long a looked-up key is trusted without asking the database again;
 *                     revocations reach every replica sooner through LISTEN/NOTIFY. Teams are cached
 *                     as long, and readiness follows it
 *                     ({@link io.portcullis.gateway.database.KeyCacheTtl})
 * @param cacheMaxSize most keys held in each replica's cache
 * @param maxFailuresPerMinute failed authentications allowed per minute (per replica) from one client
 *                     address, and on one key id, before further failures are answered 429 (a key
 *                     that verifies still passes: see {@link AuthFailureLimiter})
 */
@ConfigurationProperties(KeysProperties.PREFIX)
record KeysProperties(String pepper, @DefaultValue("5m") Duration cacheTtl,
                      @DefaultValue("100000") long cacheMaxSize,
                      @DefaultValue("30") int maxFailuresPerMinute) {

    static final String PREFIX = "gateway.keys";
    /** A shorter pepper adds too little to what an attacker must guess. */
    static final int PEPPER_MIN_BYTES = 32;

    KeysProperties {
        if (pepper != null && !pepper.isBlank() && pepper.getBytes(StandardCharsets.UTF_8).length < PEPPER_MIN_BYTES) {
            throw new IllegalArgumentException("gateway.keys.pepper (GATEWAY_KEYS_PEPPER) must be at least "
                    + PEPPER_MIN_BYTES + " bytes; generate one with: openssl rand -base64 48");
        }
        // both would stop the start anyway, inside Caffeine, without naming the property
        if (cacheTtl.isNegative()) {
            throw new IllegalArgumentException("gateway.keys.cache-ttl must not be negative");
        }
        if (cacheMaxSize < 0) {
            throw new IllegalArgumentException("gateway.keys.cache-max-size must not be negative");
        }
    }

    @Override
    public String toString() {
        return "KeysProperties[pepper=" + (pepper == null ? "unset" : "***") + ", cacheTtl=" + cacheTtl + "]";
    }
}
