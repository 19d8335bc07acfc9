package io.portcullis.gateway.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Where API keys live. Every change notifies the other replicas (see {@code ChangeNotifications})
 * in the same transaction, so caches drop a changed key within moments of the commit.
 */
public interface KeyStore {

    Optional<StoredKey> findByPublicId(String publicId);

    Optional<StoredKey> findById(UUID id);

    void insert(StoredKey key);

    /**
     * One page of keys, newest first; {@code after} is the last key of the previous page.
     *
     * @param search a name fragment or a key prefix, or null
     * @param teamId only the keys of this team, or null for every key
     */
    List<StoredKey> list(int limit, StoredKey after, String search, UUID teamId);

    /** Replaces the editable fields; returns the updated row, empty if the id is unknown. */
    Optional<StoredKey> update(StoredKey edited, Instant now);

    /** Swaps the key's public id and secret hash, so the old key stops working. */
    Optional<StoredKey> rotate(UUID id, String newPublicId, byte[] newSecretHash, Instant now);

    /** Marks the key revoked (idempotent: a second call keeps the first instant). */
    Optional<StoredKey> revoke(UUID id, Instant now);
}
