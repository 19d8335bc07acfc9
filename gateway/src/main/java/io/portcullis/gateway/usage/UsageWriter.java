package io.portcullis.gateway.usage;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.springframework.stereotype.Component;

/**
 * Writes one batch of usage records in one transaction: the batch id (so a retry of a batch that
 * did commit is skipped), the raw rows (one binary {@code COPY}), and the hourly and daily
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

    /** The raw rows in PostgreSQL's binary copy format: no text arrays to escape and parse (see {@link RawRows}). */
    private static final String COPY_RAW = """
            copy usage_event (created_at, cost_micros, id, key_id, team_id, prompt_tokens, completion_tokens,
                cached_tokens, latency_ms, ttft_ms, model_id, backend_id, endpoint_id, status, outcome_id, streamed,
                client_request_id, billed_by, audio_seconds, characters, images) from stdin (format binary)
            """;
    private static final int RAW_COLUMNS = 21;
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
        RawRows raw = new RawRows(batch.size());
        Map<RollupKey, long[]> hourly = new TreeMap<>(RollupKey.ORDER);
        Map<RollupKey, long[]> daily = new TreeMap<>(RollupKey.ORDER);
        for (UsageRecord r : batch) {
            short modelId = names.id(r.model());
            short outcomeId = names.id(r.outcome());
            // in COPY_RAW's column order; each value of the column's own type, as binary copy requires
            raw.row(RAW_COLUMNS);
            raw.timestamptz(r.createdAt());
            raw.int8(r.costMicros());
            raw.uuid(r.id());
            raw.uuid(r.keyId());
            raw.uuid(r.teamId());
            raw.int4(r.promptTokens());
            raw.int4(r.completionTokens());
            raw.int4(r.cachedTokens());
            raw.int4(r.latencyMs());
            raw.int4(r.ttftMs());
            raw.int2(modelId);
            raw.int2(r.backend() == null ? null : names.id(r.backend()));
            raw.int2(names.id(r.endpoint()));
            raw.int2((short) r.status());
            raw.int2(outcomeId);
            raw.bool(r.streamed());
            raw.text(r.clientRequestId());
            raw.int2(r.billedBy() == null ? null : r.billedBy().code());
            raw.int4(unit(r.units().audioSeconds()));
            raw.int4(unit(r.units().characters()));
            raw.int4(unit(r.units().images()));
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
                raw.copy(c, COPY_RAW);
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

    /**
     * Rows in PostgreSQL's binary {@code COPY} format (a signature, then per row the field count and
     * each field as a length and its bytes, -1 for NULL, then a trailer). Text arrays cost the
     * writer an escape per element here and a parse per element in the server; binary values are
     * written as they are. Each value must have its column's exact type: the server does not cast.
     */
    static final class RawRows {
        private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
        /** PostgreSQL counts timestamps in microseconds from 2000-01-01T00:00:00Z. */
        private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;
        private static final int NULL = -1;

        private byte[] buffer;
        private int size;

        RawRows(int rows) {
            buffer = new byte[32 + rows * 200];
            bytes(SIGNATURE);
            put4(0); // flags: no OIDs
            put4(0); // no header extension
        }

        void row(int fields) {
            put2(fields);
        }

        /** Rounded to the microsecond, as the server rounded the text form the driver used to send. */
        void timestamptz(Instant at) {
            put4(8);
            put8(Math.addExact(Math.multiplyExact(at.getEpochSecond() - POSTGRES_EPOCH_SECONDS, 1_000_000L),
                    (at.getNano() + 500) / 1000));
        }

        void int8(long value) {
            put4(8);
            put8(value);
        }

        void int4(Integer value) {
            if (value == null) {
                put4(NULL);
            } else {
                put4(4);
                put4(value);
            }
        }

        void int2(Short value) {
            if (value == null) {
                put4(NULL);
            } else {
                put4(2);
                put2(value);
            }
        }

        void bool(boolean value) {
            put4(1);
            room(1);
            buffer[size++] = (byte) (value ? 1 : 0);
        }

        void uuid(UUID value) {
            if (value == null) {
                put4(NULL);
            } else {
                put4(16);
                put8(value.getMostSignificantBits());
                put8(value.getLeastSignificantBits());
            }
        }

        void text(String value) {
            if (value == null) {
                put4(NULL);
            } else {
                byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
                put4(utf8.length);
                bytes(utf8);
            }
        }

        /** Ends the rows and sends them on {@code c}, in its transaction. */
        void copy(Connection c, String sql) throws SQLException {
            put2(-1);
            CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
            try {
                copy.writeToCopy(buffer, 0, size);
                copy.endCopy();
            } finally {
                if (copy.isActive()) {
                    copy.cancelCopy();
                }
            }
        }

        private void put2(int value) {
            room(2);
            buffer[size++] = (byte) (value >>> 8);
            buffer[size++] = (byte) value;
        }

        private void put4(int value) {
            room(4);
            for (int shift = 24; shift >= 0; shift -= 8) {
                buffer[size++] = (byte) (value >>> shift);
            }
        }

        private void put8(long value) {
            room(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                buffer[size++] = (byte) (value >>> shift);
            }
        }

        private void bytes(byte[] value) {
            room(value.length);
            System.arraycopy(value, 0, buffer, size, value.length);
            size += value.length;
        }

        private void room(int more) {
            if (size + more > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
            }
        }
    }
}
