package io.portcullis.gateway.metrics;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What {@code gateway.metrics.*} lets an operator add to the meters. Off by default: a tag per team
 * multiplies every series, so teams are tagged only when listed here.
 *
 * @param teams team ids allowed as the {@code team} tag on requests and tokens; teams not listed
 *              are tagged {@value GatewayMetrics#OTHER}. Empty (the default): no {@code team} tag.
 */
@ConfigurationProperties(MetricsProperties.PREFIX)
public record MetricsProperties(@DefaultValue List<UUID> teams) {

    public static final String PREFIX = "gateway.metrics";

    /** More than this many tagged teams is almost certainly a mistake that would swamp Prometheus. */
    static final int MAX_TAGGED_TEAMS = 200;

    public MetricsProperties {
        if (teams.size() > MAX_TAGGED_TEAMS) {
            throw new IllegalArgumentException("gateway.metrics.teams lists " + teams.size()
                    + " teams; at most " + MAX_TAGGED_TEAMS + " may be tagged");
        }
        teams = List.copyOf(teams);
    }

    Set<UUID> teamSet() {
        return Set.copyOf(teams);
    }
}
