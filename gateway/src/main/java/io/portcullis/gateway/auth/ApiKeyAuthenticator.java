package io.portcullis.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.portcullis.gateway.database.ChangeSubscriber;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.GatewayException;
import io.portcullis.gateway.web.PresentedKey;
import io.portcullis.policy.AccessPolicy;
import io.portcullis.policy.Decision;
import java.time.InstantSource;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * Step one of the request path: who is calling? Takes the key the client presented (read at the
 * HTTP edge: {@link PresentedKey}), finds its row through a Caffeine cache (misses are cached too, so a
 * flood of made-up keys does not reach PostgreSQL), and checks the keyed hash in constant time.
 * Unknown and wrong keys take the same path and the same answer.
 */
@Component
public class ApiKeyAuthenticator implements ChangeSubscriber {

    private static final Logger log = LoggerFactory.getLogger(ApiKeyAuthenticator.class);
    private static final byte[] NO_HASH = new byte[32];

    private final KeyStore store;
    private final KeyHasher hasher;
    private final AccessPolicy policy;
    private final InstantSource clock;
    private final Cache<String, Optional<StoredKey>> cache;
    private final AuthFailureLimiter failures;

    ApiKeyAuthenticator(KeyStore store, KeyHasher hasher, AccessPolicy policy, InstantSource clock,
                        KeysProperties keys, AuthFailureLimiter failures) {
        this.failures = failures;
        this.store = store;
        this.hasher = hasher;
        this.policy = policy;
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .maximumSize(keys.cacheMaxSize())
                .expireAfterWrite(keys.cacheTtl())
                .build();
    }

    /**
     * Verifies first, then judges: the failed-authentication throttle ({@link AuthFailureLimiter})
     * only decides whether a failure is answered 401 or 429, so a key that verifies is not refused
     * because its address or key id is throttled. What is skipped for a throttled caller is work
     * that cannot succeed: the hash for text that names no key, and the whole check once this
     * address has failed on this key id as often as allowed this minute.
     *
     * @return the caller
     * @throws io.portcullis.gateway.web.GatewayException 401 for a missing, unknown, wrong, revoked or
     *         expired key (429 instead once the address or key id is over its failure budget); 503
     *         when the key is not cached and the database cannot be reached
     */
    public Caller authenticate(PresentedKey credentials) {
        String address = credentials.address();
        String presented = credentials.key();
        if (presented == null) {
            throw failures.throttled(address) ? tooManyFailures()
                    : ApiError.invalidApiKey("Missing API key: send 'Authorization: Bearer <key>'").toException();
        }
        String publicId = ApiKeys.publicIdOf(presented).orElse(null);
        if (publicId != null && failures.exhausted(address, publicId)) {
            failures.failed(address, publicId, "again after too many failures on this key id");
            throw tooManyFailures();
        }
        Optional<StoredKey> stored = publicId != null ? lookup(publicId) : Optional.empty();
        if (stored.isEmpty()) {
            // Hashed anyway, so unknown and wrong keys cost the same; an address over its budget is
            // answered 429 whatever it sends, so it is spared the hash.
            if (!failures.throttled(address)) {
                KeyHasher.matches(NO_HASH, hasher.hash(presented));
            }
            throw refused(address, publicId, "unknown key", "Incorrect API key provided");
        }
        StoredKey key = stored.get();
        if (!KeyHasher.matches(key.secretHash(), hasher.hash(presented))) {
            throw refused(address, publicId, "wrong secret", "Incorrect API key provided");
        }
        var grant = key.grant();
        if (policy.checkKey(grant, clock.instant()) instanceof Decision.Denied denied) {
            throw refused(address, publicId, denied.reason().tag(), denied.message());
        }
        return new Caller(key.id(), key.teamId(), key.name(), key.prefix(), grant, key.limits(),
                key.policy().withModels(grant.models()));
    }

    private GatewayException refused(String address, String publicId, String reason, String message) {
        return failures.failed(address, publicId, reason) ? tooManyFailures()
                : ApiError.invalidApiKey(message).toException();
    }

    private static GatewayException tooManyFailures() {
        return new GatewayException(new ApiError(429, "Too many failed authentication attempts; retry later",
                "requests", null, "rate_limit_exceeded"), AuthFailureLimiter.WINDOW);
    }

    private Optional<StoredKey> lookup(String publicId) {
        try {
            return cache.get(publicId, store::findByPublicId);
        } catch (DataAccessException e) {
            log.warn("API key lookup failed, database unreachable: {}", e.getMostSpecificCause().toString());
            throw ApiError.serviceUnavailable("The gateway cannot verify API keys right now; retry shortly")
                    .toException();
        }
    }

    @Override
    public String channel() {
        return JdbcKeyStore.CHANNEL;
    }

    /** Drops one key from this replica's cache; called when any replica changes it. */
    @Override
    public void changed(String publicId) {
        cache.invalidate(publicId);
    }

    /** Drops every cached key, after a gap in change notifications. */
    @Override
    public void resync() {
        cache.invalidateAll();
    }
}
