package io.portcullis.policy.quota;

import io.portcullis.policy.Limits;
import java.util.Objects;

/**
 * What one request asks of the quotas.
 *
 * @param keyScope        {@code key:<uuid>}
 * @param keyLimits       the key's limits
 * @param teamScope       {@code team:<uuid>}, or null for a key without a team
 * @param teamLimits      the team's limits (ignored without a team)
 * @param tokens          tokens to reserve: estimated prompt plus {@code max_tokens} (or a default)
 * @param costMicros      spend to reserve, in micro-dollars, for those tokens
 */
public record QuotaRequest(String keyScope, Limits keyLimits, String teamScope, Limits teamLimits, long tokens,
                           long costMicros) {
    public QuotaRequest {
        Objects.requireNonNull(keyScope, "keyScope");
        keyLimits = keyLimits == null ? Limits.NONE : keyLimits;
        teamLimits = teamLimits == null || teamScope == null ? Limits.NONE : teamLimits;
        if (tokens < 0 || costMicros < 0) {
            throw new IllegalArgumentException("tokens and cost must not be negative");
        }
    }
}
