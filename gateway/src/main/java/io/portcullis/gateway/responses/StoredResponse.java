package io.portcullis.gateway.responses;

import java.time.Instant;
import java.util.UUID;

/**
 * A Responses API answer stored by a backend, and who may reach it through the gateway.
 *
 * @param id        the response id the backend gave it ({@code resp_...})
 * @param keyId     the key that created it: the only one that may read, delete or continue it
 * @param backend   the backend that stored it (its configured name): where calls about it go
 * @param model     the public model it was created with
 * @param createdAt when the gateway recorded it
 */
public record StoredResponse(String id, UUID keyId, String backend, String model, Instant createdAt) {

    /** Whether this key may reach the response. */
    public boolean ownedBy(UUID key) {
        return keyId.equals(key);
    }
}
