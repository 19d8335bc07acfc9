package io.portcullis.gateway.usage;

import java.math.BigDecimal;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Usage totals for the admin API and {@code /v1/me}, read from the rollups (never the raw
 * ledger): hourly rollups for hourly periods, daily rollups otherwise. Days are UTC days.
 */
@Component
public class UsageQueries {

    /** What rows are grouped by. */
    public enum GroupBy {
        KEY("r.key_id::text", "max(k.name)"),
        TEAM("case when r.team_id = '00000000-0000-0000-0000-000000000000' then 'none' else r.team_id::text end",
                "max(t.name)"),
        MODEL("m.name", null),
        OUTCOME("o.name", null),
        HOUR(null, null),
        DAY(null, null),
        MONTH(null, null);

        private final String expression;
        private final String label;

        GroupBy(String expression, String label) {
            this.expression = expression;
            this.label = label;
        }

        boolean isPeriod() {
            return expression == null;
        }

        public static GroupBy parse(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT));
        }
    }

    /** Time buckets of a report. */
    public enum Granularity {
        HOUR, DAY, MONTH;

        public static Granularity parse(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT));
        }
    }

    /** Which rows to total. Null fields do not filter. */
    public record Filter(Instant from, Instant to, UUID keyId, UUID teamId, String model) {
    }

    /**
     * One group's totals.
     *
     * @param period  the start of the hour, day or month, when the report has a granularity
     * @param costUsd exact cost in US dollars (six decimals), from the configured prices
     * @param unmetered requests a backend answered without usage figures (billed from the reservation
     *                  or the streamed text, {@link BilledBy}): how far the totals rest on estimates
     * @param audioSeconds seconds of audio heard (transcription, translation), zero for token-only usage
     * @param characters characters turned into speech
     * @param images     images made
     */
    public record Row(String group, String label, String period, long requests, long promptTokens,
                      long completionTokens, long cachedTokens, BigDecimal costUsd, long errors, long avgLatencyMs,
                      long unmetered, long audioSeconds, long characters, long images) {
    }

    /** The units' totals; NULL (a rollup row without units) reads as zero. */
    private static final String UNIT_SUMS = "coalesce(sum(r.audio_seconds), 0) as audio_seconds,"
            + " coalesce(sum(r.characters), 0) as characters, coalesce(sum(r.images), 0) as images";

    private final JdbcTemplate jdbc;
    private final UsageNames names;

    UsageQueries(JdbcTemplate jdbc, UsageNames names) {
        this.jdbc = jdbc;
        this.names = names;
    }

    public List<Row> totals(GroupBy groupBy, Granularity granularity, Filter filter, int limit, long offset) {
        Granularity period = groupBy.isPeriod() ? Granularity.valueOf(groupBy.name()) : granularity;
        boolean hourly = period == Granularity.HOUR;
        String table = hourly ? "usage_hourly" : "usage_daily";
        String periodExpr = period == null ? "null"
                : period == Granularity.MONTH ? "to_char(date_trunc('month', r.bucket), 'YYYY-MM')"
                : hourly ? "to_char(r.bucket at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')"
                : "to_char(r.bucket, 'YYYY-MM-DD')";
        String groupExpr = groupBy.isPeriod() ? periodExpr : groupBy.expression;
        String labelExpr = groupBy.label == null ? (groupBy.isPeriod() ? "null" : groupExpr) : groupBy.label;
        var args = new ArrayList<Object>();
        var sql = new StringBuilder("select " + groupExpr + " as grp, " + labelExpr + " as label, "
                + (groupBy.isPeriod() ? "null" : periodExpr) + " as period,"
                + " sum(r.requests) as requests, sum(r.prompt_tokens) as prompt, sum(r.completion_tokens) as completion,"
                + " sum(r.cached_tokens) as cached, sum(r.cost_micros) as cost, sum(r.errors) as errors,"
                + " sum(r.latency_ms_sum) as latency, sum(r.unmetered) as unmetered, " + UNIT_SUMS
                + " from " + table + " r join usage_name m on m.id = r.model_id join usage_name o on o.id = r.outcome_id"
                + " left join api_key k on k.id = r.key_id left join team t on t.id = r.team_id where true");
        if (filter.from() != null) {
            sql.append(" and r.bucket >= ?");
            args.add(hourly ? Timestamp.from(filter.from().truncatedTo(ChronoUnit.HOURS))
                    : Date.valueOf(LocalDate.ofInstant(filter.from(), ZoneOffset.UTC)));
        }
        if (filter.to() != null) {
            sql.append(" and r.bucket < ?");
            args.add(hourly ? Timestamp.from(filter.to()) : Date.valueOf(dayAfterLastInstant(filter.to())));
        }
        if (filter.keyId() != null) {
            sql.append(" and r.key_id = ?");
            args.add(filter.keyId());
        }
        if (filter.teamId() != null) {
            sql.append(" and r.team_id = ?");
            args.add(filter.teamId());
        }
        if (filter.model() != null) {
            Short modelId = names.find(filter.model());
            sql.append(" and r.model_id = ?");
            args.add(modelId == null ? (short) -1 : modelId);
        }
        sql.append(" group by 1").append(groupBy.isPeriod() || period == null ? "" : ", 3")
                .append(" order by ").append(groupBy.isPeriod() || period == null ? "1" : "3, 1")
                .append(" limit ? offset ?");
        args.add(limit);
        args.add(offset);
        return jdbc.query(sql.toString(), (rs, i) -> {
            long requests = rs.getLong("requests");
            return new Row(rs.getString("grp"), rs.getString("label"), rs.getString("period"), requests,
                    rs.getLong("prompt"), rs.getLong("completion"), rs.getLong("cached"),
                    BigDecimal.valueOf(rs.getLong("cost"), 6), rs.getLong("errors"),
                    requests == 0 ? 0 : rs.getLong("latency") / requests, rs.getLong("unmetered"),
                    rs.getLong("audio_seconds"), rs.getLong("characters"), rs.getLong("images"));
        }, args.toArray());
    }

    /** Totals of one key since {@code from} (hourly rollups, so any whole-hour time zone is exact). */
    public Row keySince(UUID keyId, Instant from) {
        return since("key_id", keyId, from);
    }

    /** Totals of one team's keys since {@code from}. */
    public Row teamSince(UUID teamId, Instant from) {
        return since("team_id", teamId, from);
    }

    private Row since(String column, UUID id, Instant from) {
        var row = jdbc.queryForMap("select coalesce(sum(requests), 0) as requests, coalesce(sum(prompt_tokens), 0) as prompt,"
                + " coalesce(sum(completion_tokens), 0) as completion, coalesce(sum(cached_tokens), 0) as cached,"
                + " coalesce(sum(cost_micros), 0) as cost, coalesce(sum(errors), 0) as errors,"
                + " coalesce(sum(latency_ms_sum), 0) as latency, coalesce(sum(unmetered), 0) as unmetered, "
                + UNIT_SUMS + " from usage_hourly r where " + column + " = ? and bucket >= ?", id,
                Timestamp.from(from.truncatedTo(ChronoUnit.HOURS)));
        long requests = ((Number) row.get("requests")).longValue();
        return new Row(id.toString(), null, null, requests, ((Number) row.get("prompt")).longValue(),
                ((Number) row.get("completion")).longValue(), ((Number) row.get("cached")).longValue(),
                BigDecimal.valueOf(((Number) row.get("cost")).longValue(), 6), ((Number) row.get("errors")).longValue(),
                requests == 0 ? 0 : ((Number) row.get("latency")).longValue() / requests,
                ((Number) row.get("unmetered")).longValue(), ((Number) row.get("audio_seconds")).longValue(),
                ((Number) row.get("characters")).longValue(), ((Number) row.get("images")).longValue());
    }

    /** One key's totals for one model. */
    public record KeyModelRow(UUID keyId, String model, long requests, long promptTokens, long completionTokens,
                              BigDecimal costUsd) {
    }

    /**
     * Totals per key and model of the given keys over {@code [from, to)} (hourly rollups, so any
     * whole-hour time zone is exact), for a developer's own view of their keys.
     */
    public List<KeyModelRow> keysByModel(java.util.Collection<UUID> keyIds, Instant from, Instant to) {
        if (keyIds.isEmpty()) {
            return List.of();
        }
        return jdbc.query("""
                select r.key_id, m.name as model, sum(r.requests) as requests, sum(r.prompt_tokens) as prompt,
                       sum(r.completion_tokens) as completion, sum(r.cost_micros) as cost
                from usage_hourly r join usage_name m on m.id = r.model_id
                where r.key_id = any(?) and r.bucket >= ? and r.bucket < ?
                group by 1, 2 order by 1, 2""", (rs, i) -> new KeyModelRow(rs.getObject("key_id", UUID.class),
                rs.getString("model"), rs.getLong("requests"), rs.getLong("prompt"), rs.getLong("completion"),
                BigDecimal.valueOf(rs.getLong("cost"), 6)), keyIds.toArray(UUID[]::new),
                Timestamp.from(from.truncatedTo(ChronoUnit.HOURS)), Timestamp.from(to));
    }

    /** The UTC day after the one holding the last instant before {@code to} (exclusive bound). */
    private static LocalDate dayAfterLastInstant(Instant to) {
        return LocalDate.ofInstant(to.minusNanos(1), ZoneOffset.UTC).plusDays(1);
    }
}
