package io.portcullis.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Slows down key guessing without letting a guesser lock anyone else out. Failed authentications
 * are counted in fixed one-minute windows, {@code gateway.keys.max-failures-per-minute} allowed in
 * each, three ways:
 *
 * <ul>
 *   <li>per client address (as {@code web.TrustedProxies} lets Tomcat report it);</li>
 *   <li>per presented key id, the public id inside a {@code gw-<id>-<secret>} key, so guesses at
 *       one key spread over many addresses are throttled too;</li>
 *   <li>per address and key id together, which bounds the work an address can cause.</li>
 * </ul>
 *
 * <p>The order ({@link ApiKeyAuthenticator}): <b>a key is verified first and the counters only
 * decide how a failure is answered</b>: 401 while the address and the key id are within budget,
 * 429 with {@code Retry-After} once either is over. A key that verifies is therefore never refused
 * because its address or its key id is throttled, so a shared address (a NAT, or a load balancer
 * not listed in {@code gateway.trusted-proxies}) where someone guesses does not shut everyone out.
 * The cost stays bounded: an address over budget gets no hash for text that is not a key or names
 * no key (it is answered 429 whatever the secret), and once it has failed on one key id as often as
 * the budget allows, its further attempts on that id are answered 429 without looking at the secret
 * ({@link #exhausted}). An address over budget thus costs at most one hash per existing key id and
 * allowed failure, per minute. That last rule is the one way a right key can meet a 429: from an
 * address that has itself just failed on that very key id over and over.
 *
 * <p>Memory is bounded: each map holds at most a fixed number of entries (least used evicted).
 * Per replica: behind N replicas an address or key id gets N times the allowance, which is fine
 * for the purpose (making guessing slow and cheap to refuse, not exact accounting).
 */
@Component
class AuthFailureLimiter {

    private static final Logger log = LoggerFactory.getLogger(AuthFailureLimiter.class);
    static final Duration WINDOW = Duration.ofMinutes(1);
    /** About 200 bytes an entry: these caps hold the three maps to some 40 MB under a flood. */
    static final int MAX_ADDRESSES = 100_000;
    static final int MAX_KEY_IDS = 50_000;
    static final int MAX_PAIRS = 50_000;

    private final int maxFailures;
    private final Cache<String, AtomicInteger> byAddress = window(MAX_ADDRESSES);
    private final Cache<String, AtomicInteger> byKeyId = window(MAX_KEY_IDS);
    private final Cache<String, AtomicInteger> byPair = window(MAX_PAIRS);

    AuthFailureLimiter(KeysProperties keys) {
        this.maxFailures = keys.maxFailuresPerMinute();
    }

    /** Written once when the first failure arrives, so the window is fixed, not sliding. */
    private static Cache<String, AtomicInteger> window(int maximumSize) {
        return Caffeine.newBuilder().maximumSize(maximumSize).expireAfterWrite(WINDOW).build();
    }

    /** @return whether this address has used up its failures for the current window */
    boolean throttled(String address) {
        return over(byAddress, address);
    }

    /**
     * @return whether this address has failed on this key id as often as allowed this window, so
     *         the next attempt is refused without hashing it
     */
    boolean exhausted(String address, String publicId) {
        return over(byPair, pair(address, publicId));
    }

    /**
     * Counts one failed authentication.
     *
     * @param publicId the key id presented, or null when the text was not shaped like a key
     * @return whether the failure is answered 429 (address or key id over budget) rather than 401
     */
    boolean failed(String address, String publicId, String reason) {
        int fromAddress = increment(byAddress, address);
        int onKey = 0;
        if (publicId != null) {
            onKey = increment(byKeyId, publicId);
            increment(byPair, pair(address, publicId));
        }
        if (fromAddress <= 3 || fromAddress == maxFailures + 1) {
            log.warn("API key authentication failed from {} ({}{}); {} failure(s) from this address this minute",
                    address, reason, publicId == null ? "" : ", key id " + publicId, fromAddress);
        }
        if (onKey == maxFailures + 1) {
            log.warn("API key id {} has failed authentication {} times this minute; further failures on it are"
                    + " answered 429 (a key that verifies still passes)", publicId, onKey);
        }
        return fromAddress > maxFailures || onKey > maxFailures;
    }

    private boolean over(Cache<String, AtomicInteger> counts, String key) {
        AtomicInteger count = counts.getIfPresent(key);
        return count != null && count.get() >= maxFailures;
    }

    private static int increment(Cache<String, AtomicInteger> counts, String key) {
        return counts.get(key, k -> new AtomicInteger()).incrementAndGet();
    }

    /** Key ids are base62, so the separator cannot occur in one. */
    private static String pair(String address, String publicId) {
        return publicId + "@" + address;
    }
}
