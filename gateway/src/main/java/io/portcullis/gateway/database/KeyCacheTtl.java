package io.portcullis.gateway.database;

import java.time.Duration;

/**
 * How long a replica trusts an API key it cached without reading it again
 * ({@code gateway.keys.cache-ttl}), for those that must follow the key cache and may not see the
 * {@code auth} package: the team cache expires with it, and readiness ({@link StoreHealthIndicator})
 * turns to not ready once the database has been away that long. Published by {@code auth}.
 *
 * @param value the time to live
 */
public record KeyCacheTtl(Duration value) {

    public KeyCacheTtl {
        java.util.Objects.requireNonNull(value, "value");
    }
}
