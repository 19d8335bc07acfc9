package io.portcullis.gateway.usage;

import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.stereotype.Component;

/**
 * Writes one batch of usage records in one transaction: the batch id (so a retry of a batch that
 * did commit is skipped), the raw rows ({@code unnest}, one statement), and the hourly and daily
 * rollups incremented by the batch's own totals ({@code INSERT ... ON CONFLICT DO UPDATE}, rows
 * sorted by key so concurrent replicas never deadlock). Rollups therefore always equal the raw
 * rows, with no rescans.
 */
@Component
class UsageWriter {

    static final UUID NO_TEAM = new UUID(0, 0);
    /**
     * Rollup totals: requests, prompt, completion, cached tokens, cost, errors, latency sum, unmetered,
     * then the units (audio seconds, characters, images), written NULL when zero.
     */
    private static final int TOTALS = 11;
    private static final int FIRST_UNIT = 8;

    private static final String INSERT_RAW = """
            insert into usage_event (created_at, cost_micros, id, key_id, team_id, prompt_tokens, completion_tokens,
                cached_tokens, latency_ms, ttft_ms, model_id, backend_id, endpoint_id, status, outcome_id, streamed,
                client_request_id, billed_by, audio_seconds, characters, images)
            select * from unnest(?::timestamptz[], ?::bigint[], ?::uuid[], ?::uuid[], ?::uuid[], ?::integer[],
                ?::integer[], ?::integer[], ?::integer[], ?::integer[], ?::smallint[], ?::smallint[], ?::smallint[],
                ?::smallint[], ?::smallint[], ?::boolean[], ?::text[], ?::smallint[], ?::integer[], ?::integer[],
                ?::integer[])
            """;
    private static final String UPSERT_ROLLUP = """
            insert into %s (bucket, key_id, team_id, model_id, outcome_id, requests, prompt_tokens, completion_tokens,
                cached_tokens, cost_micros, errors, latency_ms_sum, unmetered, audio_seconds, characters, images)
            select * from unnest(?::%s[], ?::uuid[], ?::uuid[], ?::smallint[], ?::smallint[], ?::bigint[], ?::bigint[],
                ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
                ?::bigint[])
            on conflict (bucket, key_id, team_id, model_id, outcome_id) do update set
                requests = %1$s.requests + excluded.requests,
                prompt_tokens = %1$s.prompt_tokens + excluded.prompt_tokens,
                completion_tokens = %1$s.completion_tokens + excluded.completion_tokens,
                cached_tokens = %1$s.cached_tokens + excluded.cached_tokens,
                cost_micros = %1$s.cost_micros + excluded.cost_micros,
                errors = %1$s.errors + excluded.errors,
                latency_ms_sum = %1$s.latency_ms_sum + excluded.latency_ms_sum,
                unmetered = %1$s.unmetered + excluded.unmetered,
                audio_seconds = nullif(coalesce(%1$s.audio_seconds, 0) + coalesce(excluded.audio_seconds, 0), 0),
                characters = nullif(coalesce(%1$s.characters, 0) + coalesce(excluded.characters, 0), 0),
                images = nullif(coalesce(%1$s.images, 0) + coalesce(excluded.images, 0), 0)
            """;

    private final DataSource dataSource;
    private final UsageNames names;

    UsageWriter(DataSource dataSource, UsageNames names) {
        this.dataSource = dataSource;
        this.names = names;
    }

    /** @return false when the batch had already been written (a retry after an unclear commit) */
    boolean write(UUID batchId, List<UsageRecord> batch) throws SQLException {
        int n = batch.size();
        Object[] created = new Object[n], cost = new Object[n], id = new Object[n], key = new Object[n],
                team = new Object[n], prompt = new Object[n], completion = new Object[n], cached = new Object[n],
                latency = new Object[n], ttft = new Object[n], model = new Object[n], backend = new Object[n],
                endpoint = new Object[n], status = new Object[n], outcome = new Object[n], streamed = new Object[n],
                clientRequestId = new Object[n], billedBy = new Object[n], audioSeconds = new Object[n],
                characters = new Object[n], images = new Object[n];
        Map<RollupKey, long[]> hourly = new TreeMap<>(RollupKey.ORDER);
        Map<RollupKey, long[]> daily = new TreeMap<>(RollupKey.ORDER);
        for (int i = 0; i < n; i++) {
            UsageRecord r = batch.get(i);
            short modelId = names.id(r.model());
            short outcomeId = names.id(r.outcome());
            created[i] = Timestamp.from(r.createdAt());
            cost[i] = r.costMicros();
            id[i] = r.id();
            key[i] = r.keyId();
            team[i] = r.teamId();
            prompt[i] = r.promptTokens();
            completion[i] = r.completionTokens();
            cached[i] = r.cachedTokens();
            latency[i] = r.latencyMs();
            ttft[i] = r.ttftMs();
            model[i] = modelId;
            backend[i] = r.backend() == null ? null : names.id(r.backend());
            endpoint[i] = names.id(r.endpoint());
            status[i] = (short) r.status();
            outcome[i] = outcomeId;
            streamed[i] = r.streamed();
            clientRequestId[i] = r.clientRequestId();
            billedBy[i] = r.billedBy() == null ? null : r.billedBy().code();
            audioSeconds[i] = unit(r.units().audioSeconds());
            characters[i] = unit(r.units().characters());
            images[i] = unit(r.units().images());
            UUID teamKey = r.teamId() == null ? NO_TEAM : r.teamId();
            Instant hour = r.createdAt().truncatedTo(ChronoUnit.HOURS);
            Instant day = r.createdAt().truncatedTo(ChronoUnit.DAYS);
            add(hourly.computeIfAbsent(new RollupKey(hour, r.keyId(), teamKey, modelId, outcomeId), k -> new long[TOTALS]), r);
            add(daily.computeIfAbsent(new RollupKey(day, r.keyId(), teamKey, modelId, outcomeId), k -> new long[TOTALS]), r);
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(
                        "insert into usage_batch (id) values (?) on conflict (id) do nothing")) {
                    ps.setObject(1, batchId);
                    if (ps.executeUpdate() == 0) {
                        c.rollback();
                        return false;
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(INSERT_RAW)) {
                    Object[][] columns = {created, cost, id, key, team, prompt, completion, cached, latency, ttft, model,
                            backend, endpoint, status, outcome, streamed, clientRequestId, billedBy, audioSeconds,
                            characters, images};
                    String[] types = {"timestamptz", "int8", "uuid", "uuid", "uuid", "int4", "int4", "int4", "int4",
                            "int4", "int2", "int2", "int2", "int2", "int2", "bool", "text", "int2", "int4", "int4",
                            "int4"};
                    for (int i = 0; i < columns.length; i++) {
                        ps.setArray(i + 1, c.createArrayOf(types[i], columns[i]));
                    }
                    ps.executeUpdate();
                }
                upsert(c, "usage_hourly", "timestamptz", hourly, false);
                upsert(c, "usage_daily", "date", daily, true);
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private static void add(long[] totals, UsageRecord r) {
        totals[0]++;
        totals[1] += r.promptTokens();
        totals[2] += r.completionTokens();
        totals[3] += r.cachedTokens();
        totals[4] += r.costMicros();
        totals[5] += r.status() >= 400 ? 1 : 0;
        totals[6] += r.latencyMs();
        totals[7] += isUnmetered(r.billedBy()) ? 1 : 0;
        // the rollups add what the raw row holds, so a rebuild from raw rows gives the same totals
        totals[8] += Math.min(Integer.MAX_VALUE, r.units().audioSeconds());
        totals[9] += Math.min(Integer.MAX_VALUE, r.units().characters());
        totals[10] += Math.min(Integer.MAX_VALUE, r.units().images());
    }

    /**
     * A unit count as stored: NULL for zero, so a token-only row spends no bytes on it (V50), and
     * at most an integer's range, as tokens are.
     */
    private static Integer unit(long count) {
        return count == 0 ? null : (int) Math.min(Integer.MAX_VALUE, count);
    }

    /** An answer the backend gave without usage figures: billed from the reservation or the streamed text. */
    static boolean isUnmetered(BilledBy billedBy) {
        return billedBy == BilledBy.RESERVATION || billedBy == BilledBy.STREAMED;
    }

    private static void upsert(Connection c, String table, String bucketType, Map<RollupKey, long[]> rows,
                               boolean dateBucket) throws SQLException {
        int n = rows.size();
        Object[] bucket = new Object[n], key = new Object[n], team = new Object[n], model = new Object[n],
                outcome = new Object[n];
        Object[][] totals = new Object[TOTALS][n];
        int i = 0;
        for (Map.Entry<RollupKey, long[]> e : rows.entrySet()) {
            RollupKey k = e.getKey();
            bucket[i] = dateBucket ? Date.valueOf(LocalDate.ofInstant(k.bucket(), ZoneOffset.UTC))
                    : Timestamp.from(k.bucket());
            key[i] = k.keyId();
            team[i] = k.teamId();
            model[i] = k.modelId();
            outcome[i] = k.outcomeId();
            for (int t = 0; t < TOTALS; t++) {
                long total = e.getValue()[t];
                totals[t][i] = t >= FIRST_UNIT && total == 0 ? null : total;
            }
            i++;
        }
        try (PreparedStatement ps = c.prepareStatement(UPSERT_ROLLUP.formatted(table, bucketType))) {
            ps.setArray(1, c.createArrayOf(dateBucket ? "date" : "timestamptz", bucket));
            ps.setArray(2, c.createArrayOf("uuid", key));
            ps.setArray(3, c.createArrayOf("uuid", team));
            ps.setArray(4, c.createArrayOf("int2", model));
            ps.setArray(5, c.createArrayOf("int2", outcome));
            for (int t = 0; t < TOTALS; t++) {
                ps.setArray(6 + t, c.createArrayOf("int8", totals[t]));
            }
            ps.executeUpdate();
        }
    }

    /** One rollup row's key; ordered so every writer locks rows in the same order. */
    record RollupKey(Instant bucket, UUID keyId, UUID teamId, short modelId, short outcomeId) {
        static final Comparator<RollupKey> ORDER = Comparator.comparing(RollupKey::bucket)
                .thenComparing(RollupKey::keyId).thenComparing(RollupKey::teamId)
                .thenComparingInt(RollupKey::modelId).thenComparingInt(RollupKey::outcomeId);
    }
}
