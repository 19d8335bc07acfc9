package io.portcullis.gateway.usage;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Repairs for the rollups: {@link #check} compares them with the raw rows over a range widened to
 * whole UTC days, {@link #rebuild} recomputes them from the raw rows (for when they disagree, e.g. after
 * a manual edit of the ledger). Raw rows already dropped by retention cannot be rebuilt from, so
 * ranges are limited to what the raw ledger still holds. Hourly rollups deleted by
 * {@code gateway.usage.hourly-retention} are not compared.
 */
@Component
public class RollupMaintenance {

    /** Raw rows counted in the rollups' {@code unmetered}: billed without the backend's usage figures. */
    static final String UNMETERED = "billed_by in (" + BilledBy.RESERVATION.code() + ", " + BilledBy.STREAMED.code() + ")";
    private static final String RAW_TOTALS = """
            select count(*) as requests, coalesce(sum(prompt_tokens), 0) as prompt, coalesce(sum(completion_tokens), 0) as completion,
                   coalesce(sum(cached_tokens), 0) as cached, coalesce(sum(cost_micros), 0) as cost,
                   count(*) filter (where status >= 400) as errors, coalesce(sum(latency_ms), 0) as latency,
                   count(*) filter (where %s) as unmetered, coalesce(sum(audio_seconds), 0) as audio_seconds,
                   coalesce(sum(characters), 0) as characters, coalesce(sum(images), 0) as images
            from usage_event where created_at >= ? and created_at < ?""".formatted(UNMETERED);
    private static final String ROLLUP_TOTALS = """
            select coalesce(sum(requests), 0) as requests, coalesce(sum(prompt_tokens), 0) as prompt,
                   coalesce(sum(completion_tokens), 0) as completion, coalesce(sum(cached_tokens), 0) as cached,
                   coalesce(sum(cost_micros), 0) as cost, coalesce(sum(errors), 0) as errors,
                   coalesce(sum(latency_ms_sum), 0) as latency, coalesce(sum(unmetered), 0) as unmetered,
                   coalesce(sum(audio_seconds), 0) as audio_seconds, coalesce(sum(characters), 0) as characters,
                   coalesce(sum(images), 0) as images
            from %s where bucket >= ? and bucket < ?""";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final InstantSource clock;
    private final Duration hourlyRetention;

    RollupMaintenance(JdbcTemplate jdbc, TransactionTemplate tx, InstantSource clock, UsageProperties usage) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.clock = clock;
        this.hourlyRetention = usage.hourlyRetention();
    }

    /**
     * Totals of raw rows, hourly rollups and daily rollups over the range; equal when all is well.
     *
     * @param hourlyKeptFrom the first hour whose hourly rollups are kept ({@code gateway.usage.hourly-retention}),
     *                       {@code null} when all are; a range starting before it is checked
     *                       against the daily rollups only
     */
    public record Check(Instant from, Instant to, Map<String, Object> raw, Map<String, Object> hourly,
                        Map<String, Object> daily, Instant hourlyKeptFrom, boolean consistent) {
    }

    public Check check(Instant from, Instant to) {
        Instant start = from.truncatedTo(ChronoUnit.DAYS);
        Instant end = ceilingDay(to);
        Timestamp a = Timestamp.from(start);
        Timestamp b = Timestamp.from(end);
        Map<String, Object> raw = normalise(jdbc.queryForMap(RAW_TOTALS, a, b));
        Map<String, Object> hourly = normalise(jdbc.queryForMap(ROLLUP_TOTALS.formatted("usage_hourly"), a, b));
        Map<String, Object> daily = normalise(jdbc.queryForMap(
                ROLLUP_TOTALS.formatted("usage_daily").replace("bucket >= ? and bucket < ?",
                        "bucket >= (?::timestamptz at time zone 'UTC')::date and bucket < (?::timestamptz at time zone 'UTC')::date"),
                a, b));
        Instant keptFrom = hourlyRetention.isZero() ? null
                : UsagePartitions.hourlyRetainedFrom(clock.instant(), hourlyRetention);
        boolean hourlyComparable = keptFrom == null || !start.isBefore(keptFrom);
        return new Check(start, end, raw, hourly, daily, keptFrom,
                raw.equals(daily) && (!hourlyComparable || raw.equals(hourly)));
    }

    /** Recomputes both rollups for the whole UTC days in the range from the raw rows. */
    public void rebuild(Instant from, Instant to) {
        Timestamp a = Timestamp.from(from.truncatedTo(ChronoUnit.DAYS));
        Timestamp b = Timestamp.from(ceilingDay(to));
        tx.executeWithoutResult(status -> {
            // writers take the same row locks; the ledger pauses behind this transaction
            jdbc.update("delete from usage_hourly where bucket >= ? and bucket < ?", a, b);
            jdbc.update("delete from usage_daily where bucket >= (?::timestamptz at time zone 'UTC')::date"
                    + " and bucket < (?::timestamptz at time zone 'UTC')::date", a, b);
            for (var spec : List.of(new String[] {"usage_hourly", "date_trunc('hour', created_at, 'UTC')"},
                    new String[] {"usage_daily", "(created_at at time zone 'UTC')::date"})) {
                jdbc.update("insert into " + spec[0] + " select " + spec[1] + ", key_id,"
                        + " coalesce(team_id, '00000000-0000-0000-0000-000000000000'), model_id, outcome_id, count(*),"
                        + " sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens), sum(cost_micros),"
                        + " count(*) filter (where status >= 400), sum(latency_ms), count(*) filter (where "
                        + UNMETERED + ")"
                        // NULL when the group has no units, as the writer leaves it (sum of NULLs is NULL)
                        + ", nullif(sum(audio_seconds), 0), nullif(sum(characters), 0), nullif(sum(images), 0)"
                        + " from usage_event where created_at >= ? and created_at < ? group by 1, 2, 3, 4, 5", a, b);
            }
        });
    }

    /** The UTC midnight at or after {@code instant}: a range always covers whole days. */
    private static Instant ceilingDay(Instant instant) {
        Instant day = instant.truncatedTo(ChronoUnit.DAYS);
        return day.equals(instant) ? day : day.plus(1, ChronoUnit.DAYS);
    }

    private static Map<String, Object> normalise(Map<String, Object> row) {
        var out = new java.util.TreeMap<String, Object>();
        row.forEach((k, v) -> out.put(k, ((Number) v).longValue()));
        return out;
    }
}
