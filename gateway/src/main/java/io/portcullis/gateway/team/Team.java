package io.portcullis.gateway.team;

import io.portcullis.policy.Limits;
import io.portcullis.policy.UsagePolicy;
import java.time.Instant;
import java.util.UUID;

/**
 * A team: its keys share its limits (counted over all of them) on top of their own.
 *
 * @param policy      includes the team's model allow list ({@code policy.models})
 * @param policyError why the stored limits and policy cannot be used, or {@code null}; when set,
 *                    {@code policy} refuses every request of every key of the team
 */
public record Team(UUID id, String name, Limits limits, UsagePolicy policy, Instant createdAt, Instant updatedAt,
                   String policyError) {

    /** A team whose limits and policy are usable. */
    public Team(UUID id, String name, Limits limits, UsagePolicy policy, Instant createdAt, Instant updatedAt) {
        this(id, name, limits, policy, createdAt, updatedAt, null);
    }

    /** The quota scope of this team's shared counters. */
    public String scope() {
        return scope(id);
    }

    public static String scope(UUID id) {
        return "team:" + id;
    }
}
