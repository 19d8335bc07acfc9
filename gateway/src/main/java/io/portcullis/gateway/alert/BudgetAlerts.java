package io.portcullis.gateway.alert;

import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.team.Team;
import io.portcullis.policy.Limits;
import io.portcullis.policy.quota.CalendarWindows;
import io.portcullis.policy.quota.LeaseKey;
import io.portcullis.policy.quota.Metric;
import io.portcullis.policy.quota.QuotaEngine;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Notices, on the request path, that a key's or team's calendar-window limit crossed one of its
 * {@code alertAt} percentages ({@link #settled}) or refused its first request ({@link #refused}),
 * and has {@link AlertOutboxStore#decide} make the event happen once across every replica.
 *
 * <p>Cheap by construction: the percentages are in memory ({@link AlertThresholdStore}), what is
 * used comes from the quota engine's leases ({@link QuotaEngine#used}), and this replica remembers
 * the highest percentage it has already had decided for each counter, so the database is asked
 * once per crossing per replica, never per request. A scope without {@code alertAt} costs one map
 * lookup. Only day and month limits are watched: a per-minute limit crossing its thresholds every
 * minute would be noise, not an alert.
 */
@Component
public class BudgetAlerts {

    private static final Metric[] WATCHED = {Metric.TOKENS_PER_DAY, Metric.TOKENS_PER_MONTH, Metric.SPEND_PER_MONTH};
    private static final BigDecimal MICROS = BigDecimal.valueOf(1_000_000);
    /** Percent recorded for {@code budget.exhausted}: the decision row's percent. */
    private static final int EXHAUSTED = 100;
    private static final Logger log = LoggerFactory.getLogger(BudgetAlerts.class);

    private final QuotaEngine engine;
    private final CalendarWindows windows;
    private final AlertThresholdStore thresholds;
    private final AlertOutboxStore outbox;
    /** Per counter, the highest threshold this replica has had decided. */
    private final Map<LeaseKey, Integer> noticed = new ConcurrentHashMap<>();
    /** Counters whose first refusal this replica has had decided. */
    private final Map<LeaseKey, Boolean> exhausted = new ConcurrentHashMap<>();

    BudgetAlerts(QuotaEngine engine, CalendarWindows windows, AlertThresholdStore thresholds, AlertOutboxStore outbox) {
        this.engine = engine;
        this.windows = windows;
        this.thresholds = thresholds;
        this.outbox = outbox;
    }

    /** After a request was settled: did its key's or team's limits cross a threshold? */
    public void settled(Caller caller, Team team, Instant now) {
        check("key", caller.keyId(), caller.keyName(), caller.limits(), now);
        if (team != null) {
            check("team", team.id(), team.name(), team.limits(), now);
        }
    }

    /** After the quota engine refused a request: the first refusal of a window is {@code budget.exhausted}. */
    public void refused(LeaseKey refusedBy, Caller caller, Team team, Instant now) {
        if (refusedBy == null || refusedBy.metric().shape() != Metric.Shape.WINDOW
                || exhausted.containsKey(refusedBy)) {
            return;
        }
        boolean isTeam = team != null && refusedBy.scope().equals(team.scope());
        Limits limits = isTeam ? team.limits() : caller.limits();
        Long limit = limitOf(limits, refusedBy.metric());
        if (limit == null) {
            return;
        }
        long used = engine.used(refusedBy.scope(), refusedBy.metric(), limit, now);
        var occurrence = occurrence(AlertEvent.BUDGET_EXHAUSTED, isTeam ? "team" : "key",
                isTeam ? team.id() : caller.keyId(), isTeam ? team.name() : caller.keyName(), refusedBy.metric(),
                refusedBy.windowStart(), EXHAUSTED, Math.min(used, limit), limit);
        if (exhausted.putIfAbsent(refusedBy, Boolean.TRUE) == null && !decide(occurrence, now)) {
            exhausted.remove(refusedBy); // the database did not answer: the next refusal tries again
        }
        // What is left cannot serve a request, though a few units may be: every threshold, 100% too, is crossed.
        crossed(isTeam ? "team" : "key", isTeam ? team.id() : caller.keyId(), isTeam ? team.name() : caller.keyName(),
                refusedBy.metric(), limit, limit, now);
    }

    private void check(String kind, UUID id, String name, Limits limits, Instant now) {
        String scope = kind + ":" + id;
        int[] percents = thresholds.of(scope);
        if (percents.length == 0) {
            return;
        }
        for (Metric metric : WATCHED) {
            Long limit = limitOf(limits, metric);
            if (limit == null || limit <= 0) {
                continue;
            }
            crossed(kind, id, name, metric, engine.used(scope, metric, limit, now), limit, now);
        }
    }

    /** Decides every threshold of the scope that {@code used} of {@code limit} reaches and this replica has not yet. */
    private void crossed(String kind, UUID id, String name, Metric metric, long used, long limit, Instant now) {
        String scope = kind + ":" + id;
        int[] percents = thresholds.of(scope);
        if (percents.length == 0 || limit <= 0) {
            return; // a spend limit of 0 refuses everything: it has no percentages to cross
        }
        // used <= twice the largest limit (10^15), so used * 100 stays far inside a long
        long percentUsed = used * 100 / limit;
        if (percentUsed < percents[0]) {
            return;
        }
        var counter = new LeaseKey(scope, metric, windows.windowStart(metric, now));
        int already = noticed.getOrDefault(counter, 0);
        for (int p : percents) {
            if (p <= already || p > percentUsed) {
                continue;
            }
            // claim locally first, so concurrent settlements on this replica ask the database once
            if (noticed.merge(counter, p, Math::max) != p) {
                continue;
            }
            if (!decide(occurrence(AlertEvent.BUDGET_THRESHOLD, kind, id, name, metric, counter.windowStart(), p,
                    Math.min(used, limit), limit), now)) {
                noticed.put(counter, already); // retried at the next settlement
                return;
            }
        }
    }

    /** Whether the decision was made (by this replica or an earlier one); false when the database failed. */
    private boolean decide(Occurrence occurrence, Instant now) {
        try {
            outbox.decide(occurrence, now);
            return true;
        } catch (RuntimeException e) {
            log.warn("Could not record alert {} for {}: {}", occurrence.event().tag(), occurrence.scopeKey(), e.toString());
            return false;
        }
    }

    private Occurrence occurrence(AlertEvent event, String kind, UUID id, String name, Metric metric, long windowStart,
                                  int percent, long used, long limit) {
        boolean spend = metric == Metric.SPEND_PER_MONTH;
        return new Occurrence(event, kind, id, name, metricName(metric), windowStart, percent,
                spend ? usd(used) : BigDecimal.valueOf(used), spend ? usd(limit) : BigDecimal.valueOf(limit),
                window(metric, windowStart), null);
    }

    private static BigDecimal usd(long micros) {
        return BigDecimal.valueOf(micros).divide(MICROS).stripTrailingZeros();
    }

    private String window(Metric metric, long windowStart) {
        LocalDate day = LocalDate.ofInstant(Instant.ofEpochSecond(windowStart), windows.zone());
        return metric == Metric.TOKENS_PER_DAY ? day.toString() : YearMonth.from(day).toString();
    }

    /** The name of the limit as in the admin API's {@code limits}. */
    static String metricName(Metric metric) {
        return switch (metric) {
            case TOKENS_PER_DAY -> "tokensPerDay";
            case TOKENS_PER_MONTH -> "tokensPerMonth";
            case SPEND_PER_MONTH -> "spendPerMonthUsd";
            case TOKENS_PER_MINUTE -> "tokensPerMinute";
            case REQUESTS_PER_MINUTE -> "requestsPerMinute";
            case CONCURRENT_REQUESTS -> "maxConcurrentRequests";
        };
    }

    private static Long limitOf(Limits limits, Metric metric) {
        return switch (metric) {
            case TOKENS_PER_DAY -> limits.tokensPerDay();
            case TOKENS_PER_MONTH -> limits.tokensPerMonth();
            case SPEND_PER_MONTH -> limits.spendPerMonthMicros();
            default -> null;
        };
    }

    /** Forgets counters of windows that are over, so memory follows the current day and month. */
    void forgetEndedWindows(Instant now) {
        noticed.keySet().removeIf(k -> k.windowStart() < windows.windowStart(k.metric(), now));
        exhausted.keySet().removeIf(k -> k.windowStart() < windows.windowStart(k.metric(), now));
    }
}
