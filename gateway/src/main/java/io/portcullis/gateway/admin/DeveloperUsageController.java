package io.portcullis.gateway.admin;

import io.portcullis.gateway.auth.KeyStore;
import io.portcullis.gateway.auth.StoredKey;
import io.portcullis.gateway.team.TeamStore;
import io.portcullis.gateway.usage.UsageQueries;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.policy.quota.CalendarWindows;
import io.portcullis.policy.quota.ModelPrice;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /admin/api/me/usage} (developer role only): the usage of the caller's own keys, per
 * key and per model, and where each of their teams stands against its budget this day and month
 * (team totals only: never another member's keys). {@code keyId} narrows the answer to one of the
 * caller's keys; any other id is "no such key", whoever owns it. The default range is the current
 * calendar month in {@code gateway.quota.time-zone}.
 */
@RestController
class DeveloperUsageController {

    private final DeveloperStore developers;
    private final KeyStore keys;
    private final TeamStore teams;
    private final UsageQueries usage;
    private final CalendarWindows windows;
    private final InstantSource clock;

    DeveloperUsageController(DeveloperStore developers, KeyStore keys, TeamStore teams, UsageQueries usage,
                             CalendarWindows windows, InstantSource clock) {
        this.developers = developers;
        this.keys = keys;
        this.teams = teams;
        this.usage = usage;
        this.windows = windows;
        this.clock = clock;
    }

    record ModelUsage(String model, long requests, long promptTokens, long completionTokens, String costUsd) {
    }

    record KeyUsage(UUID keyId, String name, String prefix, UUID teamId, String status, long requests,
                    long promptTokens, long completionTokens, String costUsd, List<ModelUsage> models) {
    }

    /**
     * A team's budget and what all its keys used of it (limits null: no such limit).
     *
     * @param tokensToday tokens used today by all the team's keys
     */
    record TeamBudget(UUID teamId, String name, Long tokensPerDay, long tokensToday, Long tokensPerMonth,
                      long tokensThisMonth, String spendPerMonthUsd, String spentThisMonthUsd) {
    }

    record MyUsage(Instant from, Instant to, List<KeyUsage> keys, List<TeamBudget> teams) {
    }

    @GetMapping("/admin/api/me/usage")
    MyUsage usage(@AuthenticationPrincipal AdminIdentity me, @RequestParam(required = false) String from,
                  @RequestParam(required = false) String to, @RequestParam(required = false) String keyId) {
        Instant now = clock.instant();
        Instant end = to == null ? now : AdminJson.instantParam(to, "to", true);
        Instant start = from == null ? windows.monthStart(now) : AdminJson.instantParam(from, "from", false);
        if (!start.isBefore(end)) {
            throw ApiError.invalidRequest("'from' must be before 'to'", "from").toException();
        }
        List<UUID> owned = developers.ownedKeys(me.owner(), DeveloperKeysController.LIST_MAX);
        if (keyId != null) {
            UUID only = AdminJson.pathId(keyId);
            if (!owned.contains(only)) {
                throw ApiError.notFound("No such key: " + keyId).toException();
            }
            owned = List.of(only);
        }
        var rows = usage.keysByModel(owned, start, end);
        var answer = new ArrayList<KeyUsage>();
        for (UUID id : owned) {
            StoredKey key = keys.findById(id).orElse(null);
            if (key == null) {
                continue;
            }
            var models = rows.stream().filter(r -> r.keyId().equals(id)).map(r -> new ModelUsage(r.model(),
                    r.requests(), r.promptTokens(), r.completionTokens(), r.costUsd().toPlainString())).toList();
            var view = AdminKeysController.KeyView.of(key, now, List.of()); // only its status is read
            answer.add(new KeyUsage(id, key.name(), key.prefix(), key.teamId(), view.status(),
                    models.stream().mapToLong(ModelUsage::requests).sum(),
                    models.stream().mapToLong(ModelUsage::promptTokens).sum(),
                    models.stream().mapToLong(ModelUsage::completionTokens).sum(),
                    models.stream().map(m -> new BigDecimal(m.costUsd())).reduce(BigDecimal.ZERO, BigDecimal::add)
                            .setScale(6).toPlainString(), models));
        }
        var teamIds = new LinkedHashSet<>(developers.memberTeams(me));
        var budgets = teamIds.stream().flatMap(id -> teams.find(id).stream()).map(team -> {
            var today = usage.teamSince(team.id(), windows.dayStart(now));
            var month = usage.teamSince(team.id(), windows.monthStart(now));
            var limits = team.limits();
            return new TeamBudget(team.id(), team.name(), limits.tokensPerDay(),
                    today.promptTokens() + today.completionTokens(), limits.tokensPerMonth(),
                    month.promptTokens() + month.completionTokens(),
                    limits.spendPerMonthMicros() == null ? null
                            : ModelPrice.dollars(limits.spendPerMonthMicros()).toPlainString(),
                    month.costUsd().toPlainString());
        }).toList();
        return new MyUsage(start, end, answer, budgets);
    }
}
