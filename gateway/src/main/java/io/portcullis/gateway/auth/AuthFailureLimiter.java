package io.portcullis.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.portcullis.gateway.GatewayProperties;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Slows down key guessing: each client address may fail authentication at most
 * {@code gateway.keys.max-failures-per-minute} times in a fixed one-minute window; after that its
 * requests are refused with 429 before any key is looked at. Failures are logged with the address
 * and, when the presented text was shaped like a key, its public id — never the key itself.
 *
 * <p>Per replica: behind N replicas an address gets N times the allowance, which is fine for its
 * purpose (making guessing slow, not exact accounting).
 */
@Component
class AuthFailureLimiter {

    private static final Logger log = LoggerFactory.getLogger(AuthFailureLimiter.class);
    static final Duration WINDOW = Duration.ofMinutes(1);

    private final int maxFailures;
    private final Cache<String, AtomicInteger> failures = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(WINDOW).build();

    AuthFailureLimiter(GatewayProperties properties) {
        this.maxFailures = properties.keys().maxFailuresPerMinute();
    }

    /** @return whether this address has used up its failures for the current window */
    boolean blocked(String address) {
        AtomicInteger count = failures.getIfPresent(address);
        return count != null && count.get() >= maxFailures;
    }

    void failed(String address, String publicId, String reason) {
        int count = failures.get(address, a -> new AtomicInteger()).incrementAndGet();
        if (count <= 3 || count == maxFailures) {
            log.warn("API key authentication failed from {} ({}{}); {} failure(s) from this address this minute",
                    address, reason, publicId == null ? "" : ", key id " + publicId, count);
        }
    }
}
