package io.portcullis.gateway.me;

import io.portcullis.gateway.access.PolicyJson;
import io.portcullis.gateway.auth.ApiKeyAuthenticator;
import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.backend.BackendRegistry;
import io.portcullis.gateway.proxy.RateLimitHeaders;
import io.portcullis.gateway.team.Team;
import io.portcullis.gateway.team.Teams;
import io.portcullis.gateway.usage.UsageQueries;
import io.portcullis.gateway.web.PresentedKey;
import io.portcullis.policy.AccessPolicy;
import io.portcullis.policy.Limits;
import io.portcullis.policy.UsagePolicy;
import io.portcullis.policy.quota.CalendarWindows;
import io.portcullis.policy.quota.Metric;
import io.portcullis.policy.quota.ModelPrice;
import io.portcullis.policy.quota.QuotaEngine;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/me}: a key holder's own view, authenticated with the key itself (contract
 * section 2): who the key is, what it may use, its limits and what is left in each window, and
 * its usage and cost today and this month (calendar windows in {@code gateway.quota.time-zone}).
 *
 * <p>Usage comes from the hourly rollups; "remaining" in day and month windows is the limit
 * less that usage; per-minute remaining is this replica's view of the shared bucket.
 */
@RestController
class MeController {

    private final ApiKeyAuthenticator authenticator;
    private final Teams teams;
    private final BackendRegistry backends;
    private final UsageQueries usage;
    private final QuotaEngine quotas;
    private final CalendarWindows windows;
    private final InstantSource clock;
    private final RateLimitHeaders rateLimitHeaders;
    private final AccessPolicy access;

    MeController(ApiKeyAuthenticator authenticator, Teams teams, BackendRegistry backends, UsageQueries usage,
                 QuotaEngine quotas, CalendarWindows windows, InstantSource clock, RateLimitHeaders rateLimitHeaders,
                 AccessPolicy access) {
        this.authenticator = authenticator;
        this.teams = teams;
        this.backends = backends;
        this.usage = usage;
        this.quotas = quotas;
        this.windows = windows;
        this.clock = clock;
        this.rateLimitHeaders = rateLimitHeaders;
        this.access = access;
    }

    /** The key's rate-limit headers are set as soon as the key is known, so an error after that carries them too. */
    @GetMapping("/v1/me")
    Map<String, Object> me(HttpServletRequest request, HttpServletResponse response) {
        Caller caller = authenticator.authenticate(PresentedKey.of(request));
        Team team = caller.teamId() == null ? null : teams.find(caller.teamId()).orElse(null);
        rateLimitHeaders.write(response, caller, team);
        Instant now = clock.instant();
        Instant dayStart = windows.dayStart(now);
        Instant monthStart = windows.monthStart(now);
        UsageQueries.Row today = usage.keySince(caller.keyId(), dayStart);
        UsageQueries.Row month = usage.keySince(caller.keyId(), monthStart);

        var answer = new LinkedHashMap<String, Object>();
        answer.put("object", "key");
        answer.put("id", caller.keyId());
        answer.put("name", caller.keyName());
        answer.put("prefix", caller.prefix());
        answer.put("team", team == null ? null : Map.of("id", team.id(), "name", team.name()));
        List<String> models = access.visibleModels(caller.grant(), team == null ? UsagePolicy.OPEN : team.policy(),
                backends.routes().stream().map(BackendRegistry.Route::model).toList());
        answer.put("models", models);
        answer.put("limits", PolicyJson.toMap(caller.limits()));
        answer.put("remaining", remaining(caller.scope(), caller.limits(), today, month));
        if (team != null) {
            UsageQueries.Row teamToday = usage.teamSince(team.id(), dayStart);
            UsageQueries.Row teamMonth = usage.teamSince(team.id(), monthStart);
            answer.put("teamLimits", PolicyJson.toMap(team.limits()));
            answer.put("teamRemaining", remaining(team.scope(), team.limits(), teamToday, teamMonth));
        }
        answer.put("usage", Map.of("today", totals(today, dayStart), "month", totals(month, monthStart)));
        answer.put("timeZone", windows.zone().getId());
        return answer;
    }

    private Map<String, Object> remaining(String scope, Limits limits, UsageQueries.Row today, UsageQueries.Row month) {
        var map = new LinkedHashMap<String, Object>();
        map.put("requestsPerMinute", limits.requestsPerMinute() == null ? null
                : quotas.remaining(scope, Metric.REQUESTS_PER_MINUTE, limits.requestsPerMinute()));
        map.put("tokensPerMinute", limits.tokensPerMinute() == null ? null
                : quotas.remaining(scope, Metric.TOKENS_PER_MINUTE, limits.tokensPerMinute()));
        map.put("tokensPerDay", left(limits.tokensPerDay(), tokens(today)));
        map.put("tokensPerMonth", left(limits.tokensPerMonth(), tokens(month)));
        Long spendLeft = left(limits.spendPerMonthMicros(), month.costUsd().movePointRight(6).longValueExact());
        map.put("spendPerMonthUsd", spendLeft == null ? null : ModelPrice.dollars(spendLeft).toPlainString());
        return map;
    }

    private static Map<String, Object> totals(UsageQueries.Row row, Instant since) {
        var map = new LinkedHashMap<String, Object>();
        map.put("since", since);
        map.put("requests", row.requests());
        map.put("promptTokens", row.promptTokens());
        map.put("completionTokens", row.completionTokens());
        map.put("cachedTokens", row.cachedTokens());
        map.put("audioSeconds", row.audioSeconds());
        map.put("characters", row.characters());
        map.put("images", row.images());
        map.put("costUsd", row.costUsd().toPlainString());
        return map;
    }

    private static long tokens(UsageQueries.Row row) {
        return row.promptTokens() + row.completionTokens();
    }

    private static Long left(Long limit, long used) {
        return limit == null ? null : Math.max(0, limit - used);
    }
}
