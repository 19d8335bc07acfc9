package io.portcullis.policy;

import java.time.Instant;
import java.util.Objects;

/**
 * Decides whether a key may be used at all, and whether it may call a model.
 *
 * <p>Stateless and thread-safe; time is passed in, so expiry is tested without sleeping.
 */
public final class AccessPolicy {

    /**
     * Checks that the key is live at {@code now}.
     *
     * @return {@link Decision#ALLOWED}, or a denial naming revocation or expiry
     */
    public Decision checkKey(KeyGrant grant, Instant now) {
        Objects.requireNonNull(grant, "grant");
        Objects.requireNonNull(now, "now");
        if (grant.revokedAt() != null && !now.isBefore(grant.revokedAt())) {
            return Decision.Denied.permanently(DenialReason.KEY_REVOKED, "API key has been revoked");
        }
        if (grant.expiresAt() != null && !now.isBefore(grant.expiresAt())) {
            return Decision.Denied.permanently(DenialReason.KEY_EXPIRED, "API key expired at " + grant.expiresAt());
        }
        return Decision.ALLOWED;
    }

    /**
     * Checks that the key's allow list admits {@code model}.
     *
     * @return {@link Decision#ALLOWED}, or a {@link DenialReason#MODEL_NOT_ALLOWED} denial
     */
    public Decision checkModel(KeyGrant grant, String model) {
        Objects.requireNonNull(grant, "grant");
        Objects.requireNonNull(model, "model");
        if (grant.allowsModel(model)) {
            return Decision.ALLOWED;
        }
        return Decision.Denied.permanently(DenialReason.MODEL_NOT_ALLOWED,
                "This API key is not allowed to use the model '" + model + "'");
    }
}
