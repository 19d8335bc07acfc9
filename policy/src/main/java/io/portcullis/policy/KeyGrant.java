package io.portcullis.policy;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * What an API key is allowed to do, as far as the policy needs to know.
 *
 * @param models    public model names the key may call; empty means every model
 * @param expiresAt when the key stops working, or {@code null} for never
 * @param revokedAt when the key was revoked, or {@code null} while it is live
 */
public record KeyGrant(Set<String> models, Instant expiresAt, Instant revokedAt) {

    public KeyGrant {
        models = Set.copyOf(Objects.requireNonNull(models, "models"));
    }

    /** A grant for every model, with no expiry. */
    public static KeyGrant unrestricted() {
        return new KeyGrant(Set.of(), null, null);
    }

    /** @return true when the allow list admits {@code model} */
    public boolean allowsModel(String model) {
        return models.isEmpty() || models.contains(model);
    }
}
