package io.portcullis.gateway.auth;

import io.portcullis.policy.Limits;
import io.portcullis.policy.UsagePolicy;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** Creates and rotates API keys: the only place a key's secret exists in the clear. */
@Component
public class KeyIssuer {

    private final KeyStore store;
    private final KeyHasher hasher;
    private final InstantSource clock;

    KeyIssuer(KeyStore store, KeyHasher hasher, InstantSource clock) {
        this.store = store;
        this.hasher = hasher;
        this.clock = clock;
    }

    /** A stored key and, this once, its secret. */
    public record Issued(StoredKey key, String secret) {
        @Override
        public String toString() {
            return "Issued[" + key + "]";
        }
    }

    public Issued create(String name, UUID teamId, List<String> models, Limits limits, UsagePolicy policy,
                         Instant expiresAt) {
        var generated = ApiKeys.generate();
        Instant now = clock.instant();
        var key = new StoredKey(UUID.randomUUID(), generated.publicId(), hasher.hash(generated.key()), name, teamId,
                models, limits, policy, now, now, expiresAt, null);
        store.insert(key);
        return new Issued(key, generated.key());
    }

    /** New public id and secret for the same key row; the old key stops working everywhere. */
    public Optional<Issued> rotate(UUID id) {
        var generated = ApiKeys.generate();
        return store.rotate(id, generated.publicId(), hasher.hash(generated.key()), clock.instant())
                .map(key -> new Issued(key, generated.key()));
    }
}
