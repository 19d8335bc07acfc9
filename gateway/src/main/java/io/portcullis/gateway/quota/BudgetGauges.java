package io.portcullis.gateway.quota;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.gateway.housekeeping.HousekeepingTask;
import io.portcullis.gateway.housekeeping.PeriodicWork;
import io.portcullis.gateway.metrics.MetricsProperties;
import io.portcullis.gateway.team.Team;
import io.portcullis.gateway.team.Teams;
import io.portcullis.gateway.usage.UsageQueries;
import io.portcullis.policy.Limits;
import io.portcullis.policy.quota.CalendarWindows;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * {@code portcullis_quota_budget_utilization{team, budget}}: the share (0..1) of each budget a
 * team has used in its current window, for the teams listed in {@code gateway.metrics.teams}
 * only (opt-in, so the series stay few). Read from the usage rollups every
 * {@value #REFRESH_SECONDS} seconds by the housekeeper; scrapes only read the last values.
 * The {@code PortcullisBudgetNearExhaustion} alert in the Helm chart reads it.
 */
@Component
class BudgetGauges implements PeriodicWork {

    /** Prometheus: {@code portcullis_quota_budget_utilization}. Public: the chart's alert reads it. */
    static final String UTILIZATION = "portcullis.quota.budget.utilization";
    static final int REFRESH_SECONDS = 30;

    private final Teams teams;
    private final UsageQueries usage;
    private final CalendarWindows windows;
    private final InstantSource clock;
    private final MeterRegistry registry;
    private final java.util.Set<UUID> listed;
    private final Map<String, Double> values = new ConcurrentHashMap<>();

    BudgetGauges(Teams teams, UsageQueries usage, CalendarWindows windows, InstantSource clock, MeterRegistry registry,
                 MetricsProperties metrics) {
        this.teams = teams;
        this.usage = usage;
        this.windows = windows;
        this.clock = clock;
        this.registry = registry;
        this.listed = java.util.Set.copyOf(metrics.teams());
    }

    /** Recomputes every listed team's utilisation now. */
    void refresh() {
        Instant now = clock.instant();
        for (UUID teamId : listed) {
            Team team = teams.find(teamId).orElse(null);
            if (team == null) {
                continue;
            }
            Limits limits = team.limits();
            var day = usage.teamSince(teamId, windows.dayStart(now));
            var month = usage.teamSince(teamId, windows.monthStart(now));
            set(teamId, "tokens_per_day", limits.tokensPerDay(), day.promptTokens() + day.completionTokens());
            set(teamId, "tokens_per_month", limits.tokensPerMonth(), month.promptTokens() + month.completionTokens());
            set(teamId, "spend_per_month", limits.spendPerMonthMicros(), month.costUsd().movePointRight(6).longValue());
        }
    }

    private void set(UUID team, String budget, Long limit, long used) {
        if (limit == null || limit == 0) {
            return;
        }
        String id = team + "|" + budget;
        if (values.put(id, (double) used / limit) == null) {
            Gauge.builder(UTILIZATION, values, v -> v.getOrDefault(id, 0.0))
                    .description("Share of a team's budget used in its current window (listed teams only)")
                    .tags("team", team.toString(), "budget", budget)
                    .register(registry);
        }
    }

    @Override
    public List<HousekeepingTask> housekeepingTasks() {
        if (listed.isEmpty()) {
            return List.of(); // opt-in: no listed team, no gauge, nothing to read
        }
        return List.of(new HousekeepingTask("quota.budget-gauges", Duration.ofSeconds(REFRESH_SECONDS), Duration.ZERO,
                this::refresh));
    }
}
