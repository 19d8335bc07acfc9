package io.portcullis.gateway.database;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Readiness with the database away ({@code keyStore} in the readiness group). While PostgreSQL
 * is unreachable the gateway keeps serving keys from its cache (fail-static), so it stays ready;
 * once the outage outlasts {@code gateway.keys.cache-ttl}, cached keys start to expire and the
 * replica reports itself not ready, so a load balancer prefers replicas that can still verify
 * keys. Liveness is unaffected: restarting would not bring the database back.
 */
@Component("keyStoreHealthIndicator")
class StoreHealthIndicator implements HealthIndicator {

    private final ChangeNotifications notifications;
    private final InstantSource clock;
    private final Duration cacheTtl;

    StoreHealthIndicator(ChangeNotifications notifications, InstantSource clock, KeyCacheTtl cacheTtl) {
        this.notifications = notifications;
        this.clock = clock;
        this.cacheTtl = cacheTtl.value();
    }

    @Override
    public Health health() {
        Instant since = notifications.disconnectedSince();
        if (since == null) {
            return Health.up().build();
        }
        Duration away = Duration.between(since, clock.instant());
        return (away.compareTo(cacheTtl) < 0 ? Health.up() : Health.outOfService())
                .withDetail("databaseUnreachableFor", away.toString()).build();
    }
}
