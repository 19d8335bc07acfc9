package io.portcullis.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.usage.UsageLedger;
import io.portcullis.gateway.usage.UsageRecord;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The usage ledger's writer alone (docs/performance.md, "Usage ledger writer"): records offered to
 * the production {@code BatchingUsageLedger} at fixed rates, with no HTTP in front of it, into an
 * embedded PostgreSQL with {@code fsync} and {@code synchronous_commit} on. Not part of the suite (its name matches no Surefire
 * pattern); run it on purpose with {@code bench/ledger-writer/run.sh}, or:
 *
 * <pre>./mvnw -q -pl gateway -am test -Dtest=LedgerWriterBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dbench.rates=5000,10000,20000,40000,max -Dbench.seconds=60</pre>
 *
 * <p>The gateway runs in this JVM as it would in production (its Spring context: Flyway
 * migrations, Hikari pool, partition upkeep, the ledger's lifecycle) but receives no requests;
 * this class calls {@link UsageLedger#record} directly, from one thread, at the offered rate
 * ({@code max}: as fast as the queue takes them while keeping it under half full). The mix:
 * {@code bench.keys} keys (default 5,000) used with Zipf-like popularity, each in one of
 * {@code bench.teams} teams (default 8) or none (one key in ten), {@code bench.models} models
 * (default 40, each key using one to three), mostly successes, a third streamed.
 *
 * <p>Every {@code bench.sample-ms} (default 200) the queue depth and the written counter are
 * sampled. After each rate the benchmark waits for the queue to empty, then checks against the
 * database: raw rows added = records accepted, hourly and daily rollups added = raw rows added,
 * and (when nothing was dropped) the token, cost, error and latency totals = what was offered.
 * Samples go to {@code target/ledger-writer/<rate>.csv}; a summary to standard output, with the
 * CPU time per record spent by the writer thread and by the PostgreSQL server.
 */
class LedgerWriterBenchmark {

    private static final List<String> OUTCOMES = List.of("success", "backend_error", "client_closed",
            "rate_limit_exceeded", "upstream_broken");
    private static final int[] OUTCOME_WEIGHTS = {940, 30, 15, 10, 5};
    private static final List<String> ENDPOINTS = List.of("chat", "messages", "completions", "embeddings");

    @Test
    void offerAtFixedRates() throws Exception {
        List<String> rates = List.of(System.getProperty("bench.rates", "5000,10000,20000,40000,max").split(","));
        long seconds = Long.getLong("bench.seconds", 60);
        long sampleMs = Long.getLong("bench.sample-ms", 200);
        var mix = new Mix(Integer.getInteger("bench.keys", 5000), Integer.getInteger("bench.teams", 8),
                Integer.getInteger("bench.models", 40), Long.getLong("bench.seed", 20261127));
        Path out = Path.of("target", "ledger-writer");
        Files.createDirectories(out);
        // persistent: fsync on, as in production (an ephemeral EmbeddedPostgresServer runs with fsync off)
        Path dataDir = Files.createTempDirectory("portcullis-ledger-writer-");
        List<Result> results = new ArrayList<>();
        boolean statements = Boolean.getBoolean("bench.pg-stat-statements");
        try (var postgres = EmbeddedPostgresServer.persistent(dataDir)) {
            if (statements) {
                // where the server's time goes, per statement: needs a restart to load the library
                try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
                     Statement s = c.createStatement()) {
                    s.execute("alter system set shared_preload_libraries = 'pg_stat_statements'");
                }
                postgres.stop();
                postgres.start();
                try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
                     Statement s = c.createStatement()) {
                    s.execute("create extension pg_stat_statements");
                }
            }
            // zonky starts the server with synchronous_commit=off; a production database waits for
            // the WAL flush on every commit, so the gateway's sessions do too (bench.synchronous-commit)
            String url = postgres.jdbcUrl() + "?options=-c%20synchronous_commit%3D"
                    + System.getProperty("bench.synchronous-commit", "on");
            try (var gateway = StandaloneGateway.start(url, Map.of());
                 Connection db = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "")) {
                UsageLedger ledger = gateway.context().getBean(UsageLedger.class);
                MeterRegistry registry = gateway.context().getBean(MeterRegistry.class);
                int capacity = gateway.context().getEnvironment().getProperty("gateway.usage.queue-capacity",
                        Integer.class, 100_000);
                var cpu = new Cpu(dataDir);
                // a short warm-up (JIT, first rollup rows, the names dictionary); not reported
                phase("warm-up", 5000, 5, sampleMs, mix, ledger, registry, capacity, db, cpu);
                if (statements) {
                    try (Statement s = db.createStatement()) {
                        s.execute("select pg_stat_statements_reset()");
                    }
                }
                for (String rate : rates) {
                    Result r = phase(rate.trim(), rate.trim().equals("max") ? 0 : Integer.parseInt(rate.trim()), seconds,
                            sampleMs, mix, ledger, registry, capacity, db, cpu);
                    results.add(r);
                    r.writeCsv(out.resolve(r.name() + ".csv"));
                    System.out.println(r.line());
                    if (statements) {
                        printStatements(db, r);
                    }
                }
                try (Connection c = gateway.context().getBean(DataSource.class).getConnection();
                     Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "select version(), current_setting('fsync'), current_setting('synchronous_commit'),"
                                + " current_setting('shared_buffers')")) {
                    rs.next();
                    System.out.printf("%nPostgreSQL: %s; fsync=%s synchronous_commit=%s shared_buffers=%s%n",
                            rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4));
                }
            }
        } finally {
            delete(dataDir);
        }
        System.out.println("\nLEDGER WRITER BENCHMARK  keys=" + mix.keys.length + " teams=" + mix.teams.length + " models="
                + mix.models.length + " seconds=" + seconds + " sample-ms=" + sampleMs);
        System.out.println("| offered/s | accepted | dropped | written/s while offering | written/s incl. drain | drain s"
                + " | queue growth/s | queue min / p50 / max | raw rows added | rollups = raw | totals = offered | lost"
                + " | sustained | CPU µs/record writer / PostgreSQL |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        results.forEach(r -> System.out.println(r.row()));
        System.out.println("\nqueue depth, max per second:");
        results.forEach(r -> System.out.println(r.name() + ": " + r.series()));
        for (Result r : results) {
            assertThat(r.lost()).as("records lost at %s", r.name()).isZero();
            assertThat(r.rollupsMatch()).as("rollups equal raw rows at %s", r.name()).isTrue();
        }
    }

    private static Result phase(String name, int rate, long seconds, long sampleMs, Mix mix, UsageLedger ledger,
                                MeterRegistry registry, int capacity, Connection db, Cpu cpu) throws Exception {
        Totals before = Totals.read(db);
        long writerCpuBefore = cpu.writerNanos();
        long postgresCpuBefore = cpu.postgresNanos();
        double droppedBefore = counter(registry, "portcullis.usage.records.dropped");
        double writtenBefore = counter(registry, "portcullis.usage.records.written");
        long[] offered = new long[7]; // records, prompt, completion, cached, cost, errors, latency
        List<long[]> samples = new ArrayList<>(); // nanos since start, depth, written
        long start = System.nanoTime();
        long end = start + Duration.ofSeconds(seconds).toNanos();
        long nextSample = start;
        long sent = 0;
        long now;
        while ((now = System.nanoTime()) < end) {
            if (now >= nextSample) {
                samples.add(new long[] {now - start, ledger.pending(),
                        (long) (counter(registry, "portcullis.usage.records.written") - writtenBefore)});
                nextSample += sampleMs * 1_000_000;
            }
            long due = rate == 0 ? sent + Math.max(0, capacity / 2 - ledger.pending())
                    : (long) ((now - start) / 1e9 * rate);
            while (sent < due) {
                UsageRecord r = mix.next();
                ledger.record(r);
                offered[0]++;
                offered[1] += r.promptTokens();
                offered[2] += r.completionTokens();
                offered[3] += r.cachedTokens();
                offered[4] += r.costMicros();
                offered[5] += r.status() >= 400 ? 1 : 0;
                offered[6] += r.latencyMs();
                sent++;
            }
            LockSupport.parkNanos(200_000);
        }
        long offeringNanos = System.nanoTime() - start;
        long writtenWhileOffering = (long) (counter(registry, "portcullis.usage.records.written") - writtenBefore);
        long drainStart = System.nanoTime();
        while (ledger.pending() > 0 && System.nanoTime() - drainStart < Duration.ofMinutes(5).toNanos()) {
            if (System.nanoTime() >= nextSample) {
                samples.add(new long[] {System.nanoTime() - start, ledger.pending(),
                        (long) (counter(registry, "portcullis.usage.records.written") - writtenBefore)});
                nextSample += sampleMs * 1_000_000;
            }
            LockSupport.parkNanos(1_000_000);
        }
        long drainNanos = System.nanoTime() - drainStart;
        samples.add(new long[] {System.nanoTime() - start, ledger.pending(),
                (long) (counter(registry, "portcullis.usage.records.written") - writtenBefore)});
        long dropped = (long) (counter(registry, "portcullis.usage.records.dropped") - droppedBefore);
        long writerCpu = cpu.writerNanos() - writerCpuBefore;
        long postgresCpu = cpu.postgresNanos() - postgresCpuBefore;
        Totals after = Totals.read(db);
        return new Result(name, rate, offered, dropped, offeringNanos, writtenWhileOffering, drainNanos,
                ledger.pending(), samples, before, after, writerCpu, postgresCpu);
    }

    /** The statements that took the server's time during a phase, then resets the statistics. */
    private static void printStatements(Connection db, Result r) throws Exception {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("""
                select calls, total_exec_time, rows, shared_blks_hit, shared_blks_read, shared_blks_dirtied, wal_bytes,
                       left(regexp_replace(query, '\\s+', ' ', 'g'), 90)
                from pg_stat_statements order by total_exec_time desc limit 8""")) {
            long n = Math.max(1, r.rawAdded());
            while (rs.next()) {
                System.out.printf(Locale.ROOT, "  STATEMENT %s: calls %,d  %.2f µs/record  rows %,d  blocks hit %,d read %,d"
                                + " dirtied %,d  wal %.0f B/record  %s%n", r.name(), rs.getLong(1), rs.getDouble(2) * 1e3 / n,
                        rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getDouble(7) / n, rs.getString(8));
            }
        }
        try (Statement s = db.createStatement()) {
            s.execute("select pg_stat_statements_reset()");
        }
    }

    private static double counter(MeterRegistry registry, String name) {
        return registry.get(name).counter().count();
    }

    /** Raw and rollup totals over the whole ledger, read after the queue has emptied. */
    record Totals(long[] raw, long[] hourly, long[] daily) {
        private static final String RAW = """
                select count(*), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
                       coalesce(sum(cached_tokens), 0), coalesce(sum(cost_micros), 0),
                       count(*) filter (where status >= 400), coalesce(sum(latency_ms), 0) from usage_event""";
        private static final String ROLLUP = """
                select coalesce(sum(requests), 0), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
                       coalesce(sum(cached_tokens), 0), coalesce(sum(cost_micros), 0), coalesce(sum(errors), 0),
                       coalesce(sum(latency_ms_sum), 0) from %s""";

        static Totals read(Connection db) throws Exception {
            return new Totals(query(db, RAW), query(db, ROLLUP.formatted("usage_hourly")),
                    query(db, ROLLUP.formatted("usage_daily")));
        }

        private static long[] query(Connection db, String sql) throws Exception {
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                long[] v = new long[7];
                for (int i = 0; i < 7; i++) {
                    v[i] = rs.getLong(i + 1);
                }
                return v;
            }
        }
    }

    record Result(String name, int rate, long[] offered, long dropped, long offeringNanos, long writtenWhileOffering,
                  long drainNanos, int leftInQueue, List<long[]> samples, Totals before, Totals after,
                  long writerCpuNanos, long postgresCpuNanos) {

        /** CPU per record written: the writer thread, and all of the server's processes. */
        String cpuPerRecord() {
            long n = Math.max(1, rawAdded());
            return String.format(Locale.ROOT, "%.1f / %.1f", writerCpuNanos / 1e3 / n, postgresCpuNanos / 1e3 / n);
        }


        long accepted() {
            return offered[0] - dropped;
        }

        long rawAdded() {
            return after.raw()[0] - before.raw()[0];
        }

        long lost() {
            return accepted() - rawAdded();
        }

        long[] delta(long[] a, long[] b) {
            long[] d = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                d[i] = a[i] - b[i];
            }
            return d;
        }

        boolean rollupsMatch() {
            long[] raw = delta(after.raw(), before.raw());
            return Arrays.equals(raw, delta(after.hourly(), before.hourly()))
                    && Arrays.equals(raw, delta(after.daily(), before.daily()));
        }

        /** Only defined when nothing was dropped (the benchmark cannot tell which records were refused). */
        String totalsMatch() {
            return dropped > 0 ? "n/a (drops)" : Arrays.equals(offered, delta(after.raw(), before.raw())) ? "yes" : "NO";
        }

        /** Least-squares slope of the queue depth while offering, records per second. */
        double growth() {
            double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
            for (long[] s : samples) {
                if (s[0] > offeringNanos) {
                    break;
                }
                double x = s[0] / 1e9, y = s[1];
                n++;
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
            }
            double d = n * sxx - sx * sx;
            return d == 0 ? 0 : (n * sxy - sx * sy) / d;
        }

        long[] depths() {
            return samples.stream().filter(s -> s[0] <= offeringNanos).mapToLong(s -> s[1]).sorted().toArray();
        }

        /**
         * Sustained: nothing dropped or lost, and the queue did not grow: it held under one second of
         * offered records when offering stopped and its trend was under 1 % of the offered rate.
         */
        boolean sustained() {
            long lastDepth = samples.stream().filter(s -> s[0] <= offeringNanos).mapToLong(s -> s[1]).reduce((a, b) -> b)
                    .orElse(0);
            return dropped == 0 && lost() == 0 && rate > 0 && lastDepth < rate && growth() < rate * 0.01;
        }

        String series() {
            var perSecond = new StringBuilder();
            long second = 0, max = 0;
            for (long[] s : samples) {
                if (s[0] / 1_000_000_000 > second) {
                    perSecond.append(max).append(' ');
                    second = s[0] / 1_000_000_000;
                    max = 0;
                }
                max = Math.max(max, s[1]);
            }
            return perSecond.append(max).toString();
        }

        String line() {
            long[] d = depths();
            return String.format(Locale.ROOT, "LEDGER WRITER %s: offered %,d in %.1f s, dropped %,d, written %,.0f/s"
                            + " while offering, drained in %.1f s, queue %,d / %,d / %,d, growth %,.0f/s, raw rows +%,d,"
                            + " lost %,d, rollups=raw %s, totals=offered %s, sustained %s, cpu us/record writer/postgres %s",
                    name, offered[0], offeringNanos / 1e9, dropped, writtenWhileOffering / (offeringNanos / 1e9),
                    drainNanos / 1e9, d.length == 0 ? 0 : d[0], d.length == 0 ? 0 : d[d.length / 2],
                    d.length == 0 ? 0 : d[d.length - 1], growth(), rawAdded(), lost(), rollupsMatch(), totalsMatch(),
                    sustained(), cpuPerRecord());
        }

        String row() {
            long[] d = depths();
            return String.format(Locale.ROOT, "| %s | %,d | %,d | %,.0f | %,.0f | %.1f | %,.0f | %,d / %,d / %,d | %,d | %s | %s"
                            + " | %,d | %s | %s |",
                    rate == 0 ? "max" : String.format(Locale.ROOT, "%,d", rate), accepted(), dropped,
                    writtenWhileOffering / (offeringNanos / 1e9), accepted() / ((offeringNanos + drainNanos) / 1e9),
                    drainNanos / 1e9, growth(), d[0], d[d.length / 2], d[d.length - 1], rawAdded(),
                    rollupsMatch() ? "yes" : "NO", totalsMatch(), lost(), sustained() ? "yes" : "no", cpuPerRecord());
        }

        void writeCsv(Path file) throws IOException {
            var lines = new ArrayList<String>();
            lines.add("seconds,queue_depth,written");
            for (long[] s : samples) {
                lines.add(String.format(Locale.ROOT, "%.3f,%d,%d", s[0] / 1e9, s[1], s[2]));
            }
            Files.write(file, lines);
        }
    }

    /** A realistic population of callers; one generator thread draws records from it. */
    static final class Mix {
        final UUID[] keys;
        final UUID[] teams;
        final String[] models;
        private final UUID[] teamOfKey;
        private final String[][] modelsOfKey;
        private final double[] keyCdf;
        private final SplittableRandom random;
        private long sequence;

        Mix(int keys, int teams, int models, long seed) {
            this.random = new SplittableRandom(seed);
            this.keys = new UUID[keys];
            this.teams = new UUID[teams];
            this.models = new String[models];
            for (int t = 0; t < teams; t++) {
                this.teams[t] = uuid();
            }
            for (int m = 0; m < models; m++) {
                this.models[m] = "bench-model-" + m;
            }
            this.teamOfKey = new UUID[keys];
            this.modelsOfKey = new String[keys][];
            this.keyCdf = new double[keys];
            double sum = 0;
            for (int k = 0; k < keys; k++) {
                this.keys[k] = uuid();
                teamOfKey[k] = random.nextInt(10) == 0 ? null : this.teams[random.nextInt(teams)];
                String[] own = new String[1 + random.nextInt(3)];
                for (int i = 0; i < own.length; i++) {
                    own[i] = this.models[random.nextInt(models)];
                }
                modelsOfKey[k] = own;
                sum += 1.0 / (k + 1); // Zipf, s = 1: a few keys carry much of the traffic
                keyCdf[k] = sum;
            }
            for (int k = 0; k < keys; k++) {
                keyCdf[k] /= sum;
            }
        }

        UsageRecord next() {
            int k = Arrays.binarySearch(keyCdf, random.nextDouble());
            k = Math.min(keys.length - 1, k < 0 ? -k - 1 : k);
            String[] own = modelsOfKey[k];
            int w = random.nextInt(1000);
            int o = 0;
            while (w >= OUTCOME_WEIGHTS[o]) {
                w -= OUTCOME_WEIGHTS[o++];
            }
            String outcome = OUTCOMES.get(o);
            int status = switch (outcome) {
                case "success" -> 200;
                case "backend_error" -> 502;
                case "client_closed" -> 499;
                case "rate_limit_exceeded" -> 429;
                default -> 502;
            };
            boolean success = status == 200;
            boolean streamed = random.nextInt(3) == 0;
            int prompt = success ? 50 + random.nextInt(4000) : 0;
            int completion = success ? random.nextInt(1500) : 0;
            int cached = success && random.nextInt(4) == 0 ? random.nextInt(prompt + 1) : 0;
            int latency = 20 + random.nextInt(success ? 8000 : 300);
            sequence++;
            return new UsageRecord(uuid(), random.nextInt(5) == 0 ? "client-" + sequence : null, keys[k], teamOfKey[k],
                    own[random.nextInt(own.length)], success || o == 1 ? "bench-backend-" + (k % 3) : null,
                    ENDPOINTS.get(random.nextInt(10) < 7 ? 0 : random.nextInt(ENDPOINTS.size())), status, outcome,
                    streamed, prompt, completion, cached, prompt * 3L + completion * 12L, latency,
                    streamed && success ? Math.min(latency, 100 + random.nextInt(900)) : null,
                    Instant.now().minusMillis(latency));
        }

        private UUID uuid() {
            // version 4 layout without SecureRandom, so the generator stays cheap next to the writer
            long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
            long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
            return new UUID(msb, lsb);
        }
    }

    /**
     * CPU time of the ledger's writer thread (this JVM) and of the PostgreSQL server (postmaster
     * and its children, from /proc): less sensitive to other load on the machine than rates are.
     */
    static final class Cpu {
        private static final long TICK_NANOS = 10_000_000; // USER_HZ = 100 on Linux
        private final long postmaster;
        private final Thread writer;

        Cpu(Path dataDir) throws IOException {
            this.postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().trim());
            this.writer = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("usage-ledger-writer")).findFirst().orElseThrow();
        }

        long writerNanos() {
            return ManagementFactory.getThreadMXBean().getThreadCpuTime(writer.threadId());
        }

        long postgresNanos() throws IOException {
            long ticks = 0;
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                    try {
                        String stat = Files.readString(p.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        // f[1] is the parent pid, f[11] and f[12] user and system ticks
                        if (Long.parseLong(p.getFileName().toString()) == postmaster || Long.parseLong(f[1]) == postmaster) {
                            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        }
                    } catch (IOException | RuntimeException gone) {
                        // the process ended between listing and reading
                    }
                }
            }
            return ticks * TICK_NANOS;
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
