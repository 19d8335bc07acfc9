package io.portcullis.gateway.team;

import io.portcullis.policy.Limits;
import io.portcullis.policy.UsagePolicy;
import java.time.Instant;
import java.util.UUID;

/**
 * A team: its keys share its limits (counted over all of them) on top of their own.
 *
 * @param policy includes the team's model allow list ({@code policy.models})
 */
public record Team(UUID id, String name, Limits limits, UsagePolicy policy, Instant createdAt, Instant updatedAt) {

    /** The quota scope of this team's shared counters. */
    public String scope() {
        return scope(id);
    }

    public static String scope(UUID id) {
        return "team:" + id;
    }
}
