package io.portcullis.gateway.admin;

import io.portcullis.gateway.access.PolicyJson;
import io.portcullis.gateway.audit.AuditLog;
import io.portcullis.gateway.usage.RollupMaintenance;
import io.portcullis.gateway.usage.UsageExport;
import io.portcullis.gateway.usage.UsageQueries;
import io.portcullis.gateway.usage.UsageQueries.Filter;
import io.portcullis.gateway.usage.UsageQueries.GroupBy;
import io.portcullis.gateway.usage.UsageQueries.Granularity;
import io.portcullis.gateway.web.ApiError;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /admin/api/usage}: totals from the rollups grouped by key, team, model, outcome or a
 * period, filtered and paged; a streaming export; and the rollups' check and rebuild.
 * {@code from} and {@code to} take a date ({@code 2026-11-01}, its UTC midnight; as {@code to}, the
 * day is included) or an instant; the default range is the last 30 days.
 */
@RestController
class AdminUsageController {

    private static final Duration DEFAULT_RANGE = Duration.ofDays(30);
    private static final int PAGE_MAX = 10_000;

    private final UsageQueries queries;
    private final UsageExport export;
    private final RollupMaintenance rollups;
    private final AuditLog audit;
    private final InstantSource clock;

    AdminUsageController(UsageQueries queries, UsageExport export, RollupMaintenance rollups, AuditLog audit,
                         InstantSource clock) {
        this.queries = queries;
        this.export = export;
        this.rollups = rollups;
        this.audit = audit;
        this.clock = clock;
    }

    record UsageAnswer(String groupBy, String granularity, Instant from, Instant to, List<UsageQueries.Row> data,
                       Long nextOffset) {
    }

    @GetMapping("/admin/api/usage")
    UsageAnswer usage(@RequestParam(defaultValue = "key") String groupBy,
                      @RequestParam(required = false) String granularity,
                      @RequestParam(required = false) String from,
                      @RequestParam(required = false) String to,
                      @RequestParam(required = false) String keyId,
                      @RequestParam(required = false) String teamId,
                      @RequestParam(required = false) String model,
                      @RequestParam(defaultValue = "1000") int limit,
                      @RequestParam(defaultValue = "0") long offset) {
        GroupBy group = parse(() -> GroupBy.parse(groupBy), "groupBy",
                "key, team, model, outcome, hour, day, month");
        Granularity period = granularity == null || granularity.isBlank() ? null
                : parse(() -> Granularity.parse(granularity), "granularity", "hour, day, month");
        if (limit < 1 || limit > PAGE_MAX) {
            throw ApiError.invalidRequest("'limit' must be between 1 and " + PAGE_MAX, "limit").toException();
        }
        if (offset < 0) {
            throw ApiError.invalidRequest("'offset' must not be negative", "offset").toException();
        }
        Filter filter = filter(from, to, keyId, teamId, model);
        var rows = queries.totals(group, period, filter, limit + 1, offset);
        Long next = rows.size() > limit ? offset + limit : null;
        return new UsageAnswer(group.name().toLowerCase(Locale.ROOT),
                period == null ? null : period.name().toLowerCase(Locale.ROOT), filter.from(), filter.to(),
                rows.size() > limit ? rows.subList(0, limit) : rows, next);
    }

    /** Streams raw events or rollup rows as CSV or JSON Lines, never holding them in memory. */
    @GetMapping("/admin/api/usage/export")
    void export(@RequestParam(defaultValue = "csv") String format,
                @RequestParam(defaultValue = "raw") String rows,
                @RequestParam(required = false) String from,
                @RequestParam(required = false) String to,
                @RequestParam(required = false) String keyId,
                @RequestParam(required = false) String teamId,
                @RequestParam(required = false) String model,
                HttpServletResponse response) throws IOException {
        UsageExport.Format f = parse(() -> UsageExport.Format.parse(format), "format", "csv, jsonl");
        UsageExport.Rows r = parse(() -> UsageExport.Rows.parse(rows), "rows", "raw, hourly, daily");
        Filter filter = filter(from, to, keyId, teamId, model);
        response.setContentType(f.contentType() + ";charset=UTF-8");
        response.setHeader("Content-Disposition", "attachment; filename=\"usage-" + r.name().toLowerCase(Locale.ROOT)
                + "." + f.name().toLowerCase(Locale.ROOT) + "\"");
        var out = new BufferedWriter(new OutputStreamWriter(response.getOutputStream(), StandardCharsets.UTF_8), 64 * 1024);
        export.export(r, f, filter, out);
        out.flush();
    }

    @GetMapping("/admin/api/usage/rollups/check")
    RollupMaintenance.Check check(@RequestParam(required = false) String from,
                                  @RequestParam(required = false) String to) {
        Filter filter = filter(from, to, null, null, null);
        return rollups.check(filter.from(), filter.to());
    }

    @PostMapping("/admin/api/usage/rollups/rebuild")
    RollupMaintenance.Check rebuild(@RequestParam String from, @RequestParam String to) {
        Filter filter = filter(from, to, null, null, null);
        rollups.rebuild(filter.from(), filter.to());
        var after = rollups.check(filter.from(), filter.to());
        audit.record("usage.rollups.rebuild", "rollups", null, null, Map.of("from", after.from(), "to", after.to(),
                "consistent", after.consistent()));
        return after;
    }

    private Filter filter(String from, String to, String keyId, String teamId, String model) {
        Instant end = to == null ? clock.instant() : AdminJson.instantParam(to, "to", true);
        Instant start = from == null ? end.minus(DEFAULT_RANGE) : AdminJson.instantParam(from, "from", false);
        if (!start.isBefore(end)) {
            throw ApiError.invalidRequest("'from' must be before 'to'", "from").toException();
        }
        return new Filter(start, end, uuid(keyId, "keyId"), uuid(teamId, "teamId"),
                AdminJson.textParam(model, "model", PolicyJson.MAX_ITEM));
    }

    private static <T> T parse(java.util.function.Supplier<T> parser, String param, String allowed) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidRequest("'" + param + "' must be one of " + allowed, param).toException();
        }
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

}
