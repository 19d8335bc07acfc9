package io.portcullis.gateway.auth;

import io.portcullis.policy.KeyGrant;
import io.portcullis.policy.Limits;
import io.portcullis.policy.UsagePolicy;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;

/**
 * An API key row as stored: never the secret, only its keyed hash.
 *
 * @param policyError why the stored limits and policy cannot be used, or {@code null}; when set,
 *                    {@code policy} refuses every request (see {@code PolicyJson.readStored})
 */
public record StoredKey(UUID id, String publicId, byte[] secretHash, String name, UUID teamId,
                        List<String> models, Limits limits, UsagePolicy policy, Instant createdAt, Instant updatedAt,
                        Instant expiresAt, Instant revokedAt, String policyError) {

    public StoredKey {
        models = List.copyOf(models);
    }

    /** A key whose limits and policy are usable. */
    public StoredKey(UUID id, String publicId, byte[] secretHash, String name, UUID teamId, List<String> models,
                     Limits limits, UsagePolicy policy, Instant createdAt, Instant updatedAt, Instant expiresAt,
                     Instant revokedAt) {
        this(id, publicId, secretHash, name, teamId, models, limits, policy, createdAt, updatedAt, expiresAt,
                revokedAt, null);
    }

    /** The quota scope of this key's own counters. */
    public String scope() {
        return "key:" + id;
    }

    public String prefix() {
        return ApiKeys.prefix(publicId);
    }

    /** What the policy needs to know of this key. */
    public KeyGrant grant() {
        return new KeyGrant(new HashSet<>(models), expiresAt, revokedAt);
    }

    @Override
    public String toString() {
        return "StoredKey[id=" + id + ", prefix=" + prefix() + ", name=" + name + "]";
    }
}
