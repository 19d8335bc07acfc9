package io.portcullis.bench.ledger;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.flywaydb.core.Flyway;

/**
 * The usage ledger at size (docs/performance.md, "Usage ledger at scale"). A program, run on purpose
 * with {@code bench/ledger/run.sh} ({@code LEDGER_ROWS}, {@code LEDGER_DIR}), which passes them as
 * {@code -Dbench.rows=10000000 -Dbench.dir=/tmp/portcullis-ledger-bench}.
 *
 * It fills one month of daily partitions with {@code bench.rows} raw events (10,000 keys in 200
 * teams, 20 models of which each key uses two, generated in PostgreSQL by {@code generate_series})
 * and their rollups, then
 * measures: bulk insert rate, the usage queries the admin API runs for a month (by team, by key,
 * from the daily rollups), and bytes per raw row including indexes.
 */
public final class LedgerBenchmark {

    private static final int KEYS = 10_000;
    private static final int TEAMS = 200;
    private static final int MODELS = 20;
    private static final int DAYS = 30;

    private LedgerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        fillAndMeasure();
    }

    private static void fillAndMeasure() throws Exception {
        long rows = Long.getLong("bench.rows", 10_000_000L);
        Path dir = Path.of(System.getProperty("bench.dir", "/tmp/portcullis-ledger-bench"));
        try (var pg = EmbeddedPostgresServer.persistent(dir)) {
            Flyway.configure().dataSource(pg.jdbcUrl(), "postgres", "").load().migrate();
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), "postgres", "")) {
                run(c, rows);
            }
        }
    }

    private static void run(Connection c, long rows) throws Exception {
        LocalDate first = LocalDate.of(2026, 10, 1);
        try (Statement s = c.createStatement()) {
            s.execute("truncate usage_event, usage_hourly, usage_daily");
            for (int d = 0; d < DAYS + 1; d++) {
                LocalDate day = first.plusDays(d);
                s.execute("create table if not exists usage_event_p" + day.format(DateTimeFormatter.BASIC_ISO_DATE)
                        + " partition of usage_event for values from ('" + day + "T00:00:00Z') to ('" + day.plusDays(1)
                        + "T00:00:00Z')");
            }
            for (int m = 0; m < MODELS; m++) {
                s.execute("insert into usage_name (name) values ('bench-model-" + m + "') on conflict do nothing");
            }
            s.execute("insert into usage_name (name) values ('chat'), ('success'), ('bench-backend') on conflict do nothing");
            s.execute("drop table if exists bench_keys");
            s.execute("create table bench_keys as select g as n, gen_random_uuid() as key_id,"
                    + " (select gen_random_uuid() from generate_series(1, 1) where g > 0 limit 1) as team_id"
                    + " from generate_series(0, " + (KEYS - 1) + ") g");
            // 200 teams: key n belongs to team n % 200
            s.execute("update bench_keys k set team_id = t.team_id from (select n, gen_random_uuid() as team_id"
                    + " from generate_series(0, " + (TEAMS - 1) + ") n) t where k.n % " + TEAMS + " = t.n");
            s.execute("create index on bench_keys (n)");
        }
        short firstModel = id(c, "bench-model-0");
        short endpoint = id(c, "chat");
        short outcome = id(c, "success");
        short backend = id(c, "bench-backend");

        long chunk = 1_000_000;
        long start = System.nanoTime();
        for (long done = 0; done < rows; done += chunk) {
            long n = Math.min(chunk, rows - done);
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into usage_event (created_at, cost_micros, id, key_id, team_id, prompt_tokens,
                        completion_tokens, cached_tokens, latency_ms, ttft_ms, model_id, backend_id, endpoint_id, status,
                        outcome_id, streamed)
                    select timestamptz '2026-10-01T00:00:00Z' + ((g * 2592000.0 / ?) * interval '1 second'),
                           (g % 5000), gen_random_uuid(), k.key_id, k.team_id, 200 + (g % 3000), 50 + (g % 800),
                           (g % 7) * 100, 300 + (g % 5000), case when g % 3 = 0 then 150 + (g % 900) end,
                           ? + ((k.n + g % 2) % ?)::smallint, ?, ?, 200, ?, g % 3 = 0
                    from generate_series(?, ?) g join bench_keys k on k.n = (g * 7919) % ?
                    """)) {
                ps.setLong(1, rows);
                ps.setShort(2, firstModel);
                ps.setInt(3, MODELS);
                ps.setShort(4, backend);
                ps.setShort(5, endpoint);
                ps.setShort(6, outcome);
                ps.setLong(7, done);
                ps.setLong(8, done + n - 1);
                ps.setInt(9, KEYS);
                ps.executeUpdate();
            }
        }
        double insertSeconds = (System.nanoTime() - start) / 1e9;
        long rollupStart = System.nanoTime();
        try (Statement s = c.createStatement()) {
            s.execute("""
                    insert into usage_daily select (created_at at time zone 'UTC')::date, key_id, team_id, model_id,
                        outcome_id, count(*), sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens),
                        sum(cost_micros), 0, sum(latency_ms) from usage_event group by 1, 2, 3, 4, 5""");
            s.execute("""
                    insert into usage_hourly select date_trunc('hour', created_at, 'UTC'), key_id, team_id, model_id,
                        outcome_id, count(*), sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens),
                        sum(cost_micros), 0, sum(latency_ms) from usage_event group by 1, 2, 3, 4, 5""");
            s.execute("vacuum analyze usage_event, usage_daily, usage_hourly");
        }
        double rollupSeconds = (System.nanoTime() - rollupStart) / 1e9;

        List<UUID> keys = new ArrayList<>();
        List<UUID> teams = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select key_id, team_id from bench_keys")) {
            while (rs.next()) {
                keys.add(rs.getObject(1, UUID.class));
                teams.add(rs.getObject(2, UUID.class));
            }
        }
        String month = """
                select m.name, sum(r.requests), sum(r.prompt_tokens), sum(r.completion_tokens), sum(r.cost_micros)
                from usage_daily r join usage_name m on m.id = r.model_id
                where r.%s = ? and r.bucket >= date '2026-10-01' and r.bucket < date '2026-11-01' group by 1 order by 1""";
        double[] byTeam = time(c, month.formatted("team_id"), teams);
        double[] byKey = time(c, month.formatted("key_id"), keys);
        String allTeams = """
                select r.team_id, sum(r.requests), sum(r.cost_micros) from usage_daily r
                where r.bucket >= date '2026-10-01' and r.bucket < date '2026-11-01' group by 1 order by 1 limit 1000""";
        double[] groupedByTeam = time(c, allTeams, null);

        long rawBytes = 0;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                select coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) from pg_inherits i
                join pg_class p on p.oid = i.inhparent where p.relname = 'usage_event'""")) {
            rs.next();
            rawBytes = rs.getLong(1);
        }
        long rollupBytes = size(c, "usage_daily") + size(c, "usage_hourly");
        System.out.printf("""

                LEDGER BENCHMARK  rows=%,d  keys=%,d  teams=%d  models=%d  days=%d
                bulk insert:   %.1f s  (%,.0f rows/s)      rollups built from scratch: %.1f s
                raw ledger:    %,d bytes  = %.1f bytes/row including indexes
                rollups:       %,d bytes (daily + hourly)
                month by team: p50 %.2f ms  p95 %.2f ms
                month by key:  p50 %.2f ms  p95 %.2f ms
                all teams for a month (grouped): p50 %.2f ms  p95 %.2f ms
                %n""", rows, KEYS, TEAMS, MODELS, DAYS, insertSeconds, rows / insertSeconds, rollupSeconds,
                rawBytes, (double) rawBytes / rows, rollupBytes, byTeam[0], byTeam[1], byKey[0], byKey[1],
                groupedByTeam[0], groupedByTeam[1]);
    }

    private static double[] time(Connection c, String sql, List<UUID> ids) throws Exception {
        var random = new Random(7);
        int runs = 200;
        double[] millis = new double[runs];
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = -20; i < runs; i++) { // 20 warm-up runs
                if (ids != null) {
                    ps.setObject(1, ids.get(random.nextInt(ids.size())));
                }
                long t = System.nanoTime();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rs.getLong(2);
                    }
                }
                if (i >= 0) {
                    millis[i] = (System.nanoTime() - t) / 1e6;
                }
            }
        }
        Arrays.sort(millis);
        return new double[] {millis[runs / 2], millis[(int) (runs * 0.95)]};
    }

    private static long size(Connection c, String table) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select pg_total_relation_size('" + table + "')")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static short id(Connection c, String name) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("select id from usage_name where name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getShort(1);
            }
        }
    }
}
