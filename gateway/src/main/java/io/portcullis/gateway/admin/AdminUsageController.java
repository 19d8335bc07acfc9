package io.portcullis.gateway.admin;

import io.portcullis.gateway.usage.UsageQueries;
import io.portcullis.gateway.usage.UsageQueries.GroupBy;
import io.portcullis.gateway.web.ApiError;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /admin/api/usage}: totals from the ledger grouped by key, team, model or UTC day,
 * with exact cost.
 * {@code from} and {@code to} take a date ({@code 2026-11-01}, meaning its UTC midnight) or an
 * instant; the default range is the last 30 days.
 */
@RestController
class AdminUsageController {

    private static final Duration DEFAULT_RANGE = Duration.ofDays(30);

    private final UsageQueries queries;
    private final InstantSource clock;

    AdminUsageController(UsageQueries queries, InstantSource clock) {
        this.queries = queries;
        this.clock = clock;
    }

    record UsageAnswer(String groupBy, Instant from, Instant to, List<UsageQueries.Row> data) {
    }

    @GetMapping("/admin/api/usage")
    UsageAnswer usage(@RequestParam(defaultValue = "key") String groupBy,
                      @RequestParam(required = false) String from,
                      @RequestParam(required = false) String to,
                      @RequestParam(required = false) String keyId,
                      @RequestParam(required = false) String teamId) {
        GroupBy group;
        try {
            group = GroupBy.valueOf(groupBy.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidRequest("'groupBy' must be one of key, team, model, day", "groupBy").toException();
        }
        Instant end = to == null ? clock.instant() : instant(to, "to", true);
        Instant start = from == null ? end.minus(DEFAULT_RANGE) : instant(from, "from", false);
        if (!start.isBefore(end)) {
            throw ApiError.invalidRequest("'from' must be before 'to'", "from").toException();
        }
        return new UsageAnswer(group.name().toLowerCase(Locale.ROOT), start, end,
                queries.totals(group, start, end, uuid(keyId, "keyId"), uuid(teamId, "teamId")));
    }

    private static UUID uuid(String value, String param) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidRequest("'" + param + "' must be a UUID", param).toException();
        }
    }

    /** A date means its UTC midnight; as an upper bound, the day is included whole. */
    private static Instant instant(String value, String param, boolean upperBound) {
        try {
            if (value.length() == 10) {
                LocalDate day = LocalDate.parse(value);
                return (upperBound ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiError.invalidRequest("'" + param + "' must be a date (2026-11-01) or an ISO-8601 instant", param)
                    .toException();
        }
    }
}
