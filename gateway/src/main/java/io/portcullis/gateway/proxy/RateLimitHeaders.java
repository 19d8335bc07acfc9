package io.portcullis.gateway.proxy;

import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.team.Team;
import io.portcullis.policy.Limits;
import io.portcullis.policy.quota.Metric;
import io.portcullis.policy.quota.QuotaEngine;
import io.portcullis.gateway.web.ClientExchange;
import jakarta.servlet.http.HttpServletResponse;
import java.util.function.BiConsumer;
import org.springframework.stereotype.Component;

/**
 * OpenAI's rate-limit headers, for keys (or their teams) with per-minute limits. Header names are
 * OpenAI's and SDKs read them: never rename. The key's own limit is reported where it has one,
 * else its team's. Remaining counts are this replica's view of the shared bucket (the store's
 * last answer plus the local lease), so they are close but not exact across replicas.
 *
 * <p>The contract promises them on every answer for such a key, so every client endpoint writes
 * them as soon as the key is known (successes and later errors alike): the proxied endpoints
 * (ProxyHandler), {@code GET /v1/models} and {@code GET /v1/me}.
 */
@Component
public class RateLimitHeaders {

    /** A limit's three header names, built once rather than concatenated on every answer. */
    private record Names(String limit, String remaining, String reset) {
        static Names of(String what) {
            return new Names("x-ratelimit-limit-" + what, "x-ratelimit-remaining-" + what, "x-ratelimit-reset-" + what);
        }
    }

    private static final Names REQUESTS = Names.of("requests");
    private static final Names TOKENS = Names.of("tokens");

    private final QuotaEngine engine;

    RateLimitHeaders(QuotaEngine engine) {
        this.engine = engine;
    }

    /** Sets the headers for the key's (else its team's) per-minute limits; nothing when it has none. */
    public void write(HttpServletResponse response, Caller caller, Team team) {
        write(response::setHeader, caller, team);
    }

    /** The same on a client-API answer, whichever server carries it. */
    public void write(ClientExchange exchange, Caller caller, Team team) {
        write(exchange::header, caller, team);
    }

    private void write(BiConsumer<String, String> response, Caller caller, Team team) {
        Limits key = caller.limits();
        Limits teamLimits = team == null ? Limits.NONE : team.limits();
        if (key.requestsPerMinute() != null) {
            write(response, REQUESTS, caller.scope(), Metric.REQUESTS_PER_MINUTE, key.requestsPerMinute());
        } else if (teamLimits.requestsPerMinute() != null) {
            write(response, REQUESTS, team.scope(), Metric.REQUESTS_PER_MINUTE, teamLimits.requestsPerMinute());
        }
        if (key.tokensPerMinute() != null) {
            write(response, TOKENS, caller.scope(), Metric.TOKENS_PER_MINUTE, key.tokensPerMinute());
        } else if (teamLimits.tokensPerMinute() != null) {
            write(response, TOKENS, team.scope(), Metric.TOKENS_PER_MINUTE, teamLimits.tokensPerMinute());
        }
    }

    private void write(BiConsumer<String, String> response, Names names, String scope, Metric metric, long limit) {
        long remaining = engine.remaining(scope, metric, limit);
        response.accept(names.limit(), Long.toString(limit));
        response.accept(names.remaining(), Long.toString(remaining));
        // a bucket refills a minute's worth per minute: time until it is full again
        long millis = (limit - remaining) * 60_000 / limit;
        response.accept(names.reset(), format(millis));
    }

    /** OpenAI's duration format: {@code 1s}, {@code 6m0s}, {@code 20ms}. */
    static String format(long ms) {
        if (ms < 1000) {
            return ms + "ms";
        }
        long seconds = (ms + 999) / 1000;
        return seconds < 60 ? seconds + "s" : (seconds / 60) + "m" + (seconds % 60) + "s";
    }
}
