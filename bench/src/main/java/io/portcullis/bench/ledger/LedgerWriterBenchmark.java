package io.portcullis.bench.ledger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * The usage ledger's writer alone (docs/performance.md, "Usage ledger writer"): records offered to
 * the production {@code BatchingUsageLedger} at fixed rates, with no HTTP in front of it, into an
 * embedded PostgreSQL with {@code fsync} and {@code synchronous_commit} on. A program, run on purpose
 * with {@code bench/ledger-writer/run.sh}, which builds the class path and passes its settings as
 * system properties ({@code -Dbench.rates=5000,10000,20000,40000,max -Dbench.seconds=60}).
 *
 * <p>The gateway runs in this JVM as it would in production (its Spring context: Flyway
 * migrations, Hikari pool, partition upkeep, the ledger's lifecycle) but receives no requests;
 * this class calls {@link UsageLedger#record} directly, from one thread, at the offered rate
 * ({@code max}: as fast as the queue takes them while keeping it under half full). The mix:
 * {@code bench.keys} keys (default 5,000) used with Zipf-like popularity, each in one of
 * {@code bench.teams} teams (default 8) or none (one key in ten), {@code bench.models} models
 * (default 40, each key using one to three), mostly successes, a third streamed. Gateway settings
 * can be changed with {@code -Dbench.set.<property>=<value>}, e.g.
 * {@code -Dbench.set.gateway.usage.batch-size=5000}, and SQL run once the gateway has migrated the
 * database with {@code -Dbench.sql=...} (an experiment on the schema).
 *
 * <p>Every {@code bench.sample-ms} (default 200) the queue depth is sampled; every second, where the
 * machine's CPU went (this JVM, the PostgreSQL server, everything else), checkpoints and autovacuum
 * workers, so a stall can be told apart from a shared machine's other load. After each rate the
 * benchmark waits for the queue to empty, then checks against the database: raw rows added =
 * records accepted, hourly and daily rollups added = raw rows added, and (when nothing was
 * dropped) the token, cost, error and latency totals = what was offered. Samples go to
 * {@code target/ledger-writer/<rate>.csv} and {@code <rate>-seconds.csv}; a summary to standard
 * output, with the CPU time per record spent by the writer thread and by the PostgreSQL server and
 * the writer's utilisation (time spent writing batches / time).
 */
public final class LedgerWriterBenchmark {

    private static final List<String> OUTCOMES = List.of("success", "backend_error", "client_closed",
            "rate_limit_exceeded", "upstream_broken");
    private static final int[] OUTCOME_WEIGHTS = {940, 30, 15, 10, 5};
    private static final List<String> ENDPOINTS = List.of("chat", "messages", "completions", "embeddings");

    private LedgerWriterBenchmark() {
    }

    /** Runs every rate of {@code bench.rates}; exits non-zero when a record was lost or a rollup disagrees. */
    public static void main(String[] args) throws Exception {
        try {
            offerAtFixedRates();
        } catch (Throwable e) { // also a class missing from the class path: the JVM must not hang on it
            e.printStackTrace();
            System.exit(1);
        }
        // the gateway is closed, but the fake backends' servers are not daemons: the JVM would wait
        System.exit(0);
    }

    private static void offerAtFixedRates() throws Exception {
        List<String> rates = List.of(System.getProperty("bench.rates", "5000,10000,20000,40000,max").split(","));
        long seconds = Long.getLong("bench.seconds", 60);
        long sampleMs = Long.getLong("bench.sample-ms", 200);
        boolean statements = Boolean.getBoolean("bench.pg-stat-statements");
        var mix = new Mix(Integer.getInteger("bench.keys", 5000), Integer.getInteger("bench.teams", 8),
                Integer.getInteger("bench.models", 40), Long.getLong("bench.seed", 20261127));
        Map<String, String> settings = new HashMap<>();
        System.getProperties().stringPropertyNames().stream().filter(n -> n.startsWith("bench.set."))
                .forEach(n -> settings.put(n.substring("bench.set.".length()), System.getProperty(n)));
        Path out = Path.of("target", "ledger-writer");
        Files.createDirectories(out);
        // persistent: fsync on, as in production (an ephemeral EmbeddedPostgresServer runs with fsync off)
        Path dataDir = Files.createTempDirectory("portcullis-ledger-writer-");
        List<Result> results = new ArrayList<>();
        String server;
        try (var postgres = EmbeddedPostgresServer.persistent(dataDir)) {
            if (statements) {
                // where the server's time goes, per statement: needs a restart to load the library
                sql(postgres.jdbcUrl(), "alter system set shared_preload_libraries = 'pg_stat_statements'");
                postgres.stop();
                postgres.start();
                sql(postgres.jdbcUrl(), "create extension pg_stat_statements");
            }
            // zonky starts the server with synchronous_commit=off; a production database waits for
            // the WAL flush on every commit, so the gateway's sessions do too (bench.synchronous-commit)
            String url = postgres.jdbcUrl() + "?options=-c%20synchronous_commit%3D"
                    + System.getProperty("bench.synchronous-commit", "on");
            try (var gateway = StandaloneGateway.start(url, settings);
                 Connection db = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "")) {
                var ledger = gateway.context().getBean(UsageLedger.class);
                var registry = gateway.context().getBean(MeterRegistry.class);
                int capacity = gateway.context().getEnvironment().getProperty("gateway.usage.queue-capacity",
                        Integer.class, 100_000);
                String experiment = System.getProperty("bench.sql", "");
                if (!experiment.isBlank()) {
                    // after the migrations, before any record: e.g. a schema change to measure
                    sql(postgres.jdbcUrl(), experiment);
                    System.out.println("bench.sql: " + experiment);
                }
                var machine = new Machine(dataDir);
                var bench = new Phase.Setup(mix, ledger, registry, capacity, db, machine, postgres.jdbcUrl(), sampleMs);
                // a short warm-up (JIT, first rollup rows, the names dictionary); not reported
                Phase.run("warm-up", 5000, 5, bench);
                if (statements) {
                    sql(postgres.jdbcUrl(), "select pg_stat_statements_reset()");
                }
                for (String rate : rates) {
                    String name = rate.trim();
                    Result r = Phase.run(name, name.equals("max") ? 0 : Integer.parseInt(name), seconds, bench);
                    results.add(r);
                    r.writeCsv(out);
                    System.out.println(r.line());
                    if (statements) {
                        printStatements(db, r);
                    }
                }
                try (Connection c = gateway.context().getBean(DataSource.class).getConnection();
                     Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "select version(), current_setting('fsync'), current_setting('synchronous_commit'),"
                                + " current_setting('shared_buffers'), current_setting('max_wal_size')")) {
                    rs.next();
                    server = String.format("%s; fsync=%s synchronous_commit=%s shared_buffers=%s max_wal_size=%s",
                            rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5));
                }
            }
        } finally {
            delete(dataDir);
        }
        System.out.printf("%nLEDGER WRITER BENCHMARK  keys=%d teams=%d models=%d seconds=%d sample-ms=%d settings=%s%n",
                mix.keys.length, mix.teams.length, mix.models.length, seconds, sampleMs, settings);
        System.out.println("PostgreSQL: " + server);
        System.out.println("\n| offered/s | written/s | queue depth min / p50 / max | queue growth/s | drain s"
                + " | accepted | dropped | raw rows counted | lost | rollups = raw | totals = offered | sustained |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        results.forEach(r -> System.out.println(r.row()));
        System.out.println("\n| offered/s | writer utilisation | batch ms p50 / max (per-second means) | CPU µs/record writer"
                + " / PostgreSQL | others' CPU, cores p50 / max | checkpoints | autovacuum worker-seconds |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        results.forEach(r -> System.out.println(r.machineRow()));
        System.out.println("\nqueue depth, max per second:");
        results.forEach(r -> System.out.println(r.name() + ": " + r.series()));
        for (Result r : results) {
            if (r.lost() != 0) {
                throw new IllegalStateException("records lost at " + r.name() + ": " + r.lost());
            }
            if (!r.rollupsMatch()) {
                throw new IllegalStateException("rollups differ from the raw rows at " + r.name());
            }
        }
    }

    /** One offered rate: the generator on this thread, a {@link Sampler} beside it. */
    static final class Phase {

        record Setup(Mix mix, UsageLedger ledger, MeterRegistry registry, int capacity, Connection db, Machine machine,
                     String jdbcUrl, long sampleMs) {
        }

        static Result run(String name, int rate, long seconds, Setup setup) throws Exception {
            UsageLedger ledger = setup.ledger();
            Totals before = Totals.read(setup.db());
            double droppedBefore = counter(setup.registry(), "portcullis.usage.records.dropped");
            long writerCpuBefore = setup.machine().writerNanos();
            long postgresCpuBefore = setup.machine().postgresNanos();
            long[] offered = new long[7]; // records, prompt, completion, cached, cost, errors, latency
            var sampler = new Sampler(setup);
            Thread sampling = Thread.ofPlatform().name("ledger-writer-bench-sampler").start(sampler);
            long start = sampler.start;
            long end = start + Duration.ofSeconds(seconds).toNanos();
            long sent = 0;
            long now;
            while ((now = System.nanoTime()) < end) {
                long due = rate == 0 ? sent + Math.max(0, setup.capacity() / 2 - ledger.pending())
                        : (long) ((now - start) / 1e9 * rate);
                while (sent < due) {
                    UsageRecord r = setup.mix().next();
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
            Sampler.Snapshot whileOffering = sampler.snapshot();
            long drainStart = System.nanoTime();
            while (ledger.pending() > 0 && System.nanoTime() - drainStart < Duration.ofMinutes(5).toNanos()) {
                LockSupport.parkNanos(1_000_000);
            }
            long drainNanos = System.nanoTime() - drainStart;
            sampler.stop = true;
            sampling.join();
            if (sampler.failure != null) {
                throw new IllegalStateException("sampling failed", sampler.failure);
            }
            long dropped = (long) (counter(setup.registry(), "portcullis.usage.records.dropped") - droppedBefore);
            long writerCpu = setup.machine().writerNanos() - writerCpuBefore;
            long postgresCpu = setup.machine().postgresNanos() - postgresCpuBefore;
            Totals after = Totals.read(setup.db());
            return new Result(name, rate, offered, dropped, offeringNanos, drainNanos, whileOffering, sampler.samples,
                    sampler.seconds, before, after, writerCpu, postgresCpu);
        }
    }

    /**
     * Samples the queue depth every {@code sampleMs}, and once a second the CPU of this JVM, of the
     * PostgreSQL server and of everything else on the machine, checkpoints, autovacuum workers and
     * the writer's batch timings.
     */
    static final class Sampler implements Runnable {

        /** @param nanos since the phase started */
        record Sample(long nanos, long depth, long written) {
        }

        /**
         * One interval of about a second (longer when this thread was starved of CPU).
         *
         * @param at       seconds since the phase started
         * @param written  records written in the interval
         * @param jvm      CPU cores used by this JVM (the generator, the writer, the idle gateway)
         * @param others   CPU cores used by processes other than this JVM and the PostgreSQL server
         * @param batchMs  mean time to write one batch in the interval (0 when none finished)
         */
        record Second(double at, double interval, long written, double jvm, double postgres, double others,
                      long checkpoints, int autovacuum, double batchMs) {
        }

        record Snapshot(long written, double batchNanos) {
        }

        final long start = System.nanoTime();
        final List<Sample> samples = new ArrayList<>();
        final List<Second> seconds = new ArrayList<>();
        volatile boolean stop;
        volatile Exception failure;
        private final Phase.Setup setup;
        private final Timer flush;
        private final double writtenBefore;
        private final double batchNanosBefore;

        Sampler(Phase.Setup setup) {
            this.setup = setup;
            this.flush = setup.registry().get("portcullis.usage.flush").timer();
            this.writtenBefore = counter(setup.registry(), "portcullis.usage.records.written");
            this.batchNanosBefore = flush.totalTime(TimeUnit.NANOSECONDS);
        }

        Snapshot snapshot() {
            return new Snapshot((long) (counter(setup.registry(), "portcullis.usage.records.written") - writtenBefore),
                    flush.totalTime(TimeUnit.NANOSECONDS) - batchNanosBefore);
        }

        @Override
        public void run() {
            try (Connection stats = DriverManager.getConnection(setup.jdbcUrl(), "postgres", "")) {
                Machine m = setup.machine();
                long next = start;
                long last = start;
                long[] cpu = m.ticks();
                long checkpoints = checkpoints(stats);
                long batches = flush.count();
                double batchNanos = flush.totalTime(TimeUnit.NANOSECONDS);
                long written = 0;
                while (!stop) {
                    long now = System.nanoTime();
                    if (now >= next) {
                        samples.add(new Sample(now - start, setup.ledger().pending(), snapshot().written()));
                        // when this thread was not scheduled for a while, go on from now rather than catch up
                        next = Math.max(next + setup.sampleMs() * 1_000_000, now);
                    }
                    if (now - last >= 1_000_000_000L) {
                        // over the time that really passed: a starved sampler comes back late
                        double interval = (now - last) / 1e9;
                        long[] c = m.ticks();
                        long cp = checkpoints(stats);
                        long b = flush.count();
                        double bn = flush.totalTime(TimeUnit.NANOSECONDS);
                        long w = snapshot().written();
                        double jvm = (c[1] - cpu[1]) / 100.0 / interval, pg = (c[2] - cpu[2]) / 100.0 / interval;
                        seconds.add(new Second((last - start) / 1e9, interval, w - written, jvm, pg,
                                Math.max(0, (c[0] - cpu[0]) / 100.0 / interval - jvm - pg), cp != checkpoints ? 1 : 0,
                                autovacuum(stats), b == batches ? 0 : (bn - batchNanos) / 1e6 / (b - batches)));
                        cpu = c;
                        checkpoints = cp;
                        batches = b;
                        batchNanos = bn;
                        written = w;
                        last = now;
                    }
                    LockSupport.parkNanos(Math.max(1, Math.min(next, last + 1_000_000_000L) - System.nanoTime()));
                }
                samples.add(new Sample(System.nanoTime() - start, setup.ledger().pending(), snapshot().written()));
            } catch (SQLException | IOException | RuntimeException e) {
                failure = e;
            }
        }

        /** Time of the last completed checkpoint: it changes once per checkpoint. */
        private static long checkpoints(Connection c) throws SQLException {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "select extract(epoch from checkpoint_time)::bigint from pg_control_checkpoint()")) {
                rs.next();
                return rs.getLong(1);
            }
        }

        private static int autovacuum(Connection c) throws SQLException {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "select count(*) from pg_stat_activity where backend_type = 'autovacuum worker'")) {
                rs.next();
                return rs.getInt(1);
            }
        }
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
            s.execute("select pg_stat_statements_reset()");
        }
    }

    private static void sql(String jdbcUrl, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", ""); Statement s = c.createStatement()) {
            s.execute(sql);
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

        static Totals read(Connection db) throws SQLException {
            return new Totals(query(db, RAW), query(db, ROLLUP.formatted("usage_hourly")),
                    query(db, ROLLUP.formatted("usage_daily")));
        }

        private static long[] query(Connection db, String sql) throws SQLException {
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                long[] v = new long[7];
                for (int i = 0; i < 7; i++) {
                    v[i] = rs.getLong(i + 1);
                }
                return v;
            }
        }

        static long[] delta(long[] a, long[] b) {
            long[] d = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                d[i] = a[i] - b[i];
            }
            return d;
        }
    }

    record Result(String name, int rate, long[] offered, long dropped, long offeringNanos, long drainNanos,
                  Sampler.Snapshot whileOffering, List<Sampler.Sample> samples, List<Sampler.Second> seconds,
                  Totals before, Totals after, long writerCpuNanos, long postgresCpuNanos) {

        long accepted() {
            return offered[0] - dropped;
        }

        long rawAdded() {
            return after.raw()[0] - before.raw()[0];
        }

        long lost() {
            return accepted() - rawAdded();
        }

        boolean rollupsMatch() {
            long[] raw = Totals.delta(after.raw(), before.raw());
            return Arrays.equals(raw, Totals.delta(after.hourly(), before.hourly()))
                    && Arrays.equals(raw, Totals.delta(after.daily(), before.daily()));
        }

        /** Only defined when nothing was dropped (the benchmark cannot tell which records were refused). */
        String totalsMatch() {
            return dropped > 0 ? "n/a (drops)" : Arrays.equals(offered, Totals.delta(after.raw(), before.raw())) ? "yes" : "NO";
        }

        double writtenPerSecond() {
            return whileOffering.written() / (offeringNanos / 1e9);
        }

        /** Share of the offering time the writer spent writing batches: under 1 keeps up. */
        double utilisation() {
            return whileOffering.batchNanos() / offeringNanos;
        }

        List<Sampler.Sample> offering() {
            return samples.stream().filter(s -> s.nanos() <= offeringNanos).toList();
        }

        /** Least-squares slope of the queue depth while offering, records per second. */
        double growth() {
            double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
            for (Sampler.Sample s : offering()) {
                double x = s.nanos() / 1e9, y = s.depth();
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
            long[] d = offering().stream().mapToLong(Sampler.Sample::depth).sorted().toArray();
            return d.length == 0 ? new long[1] : d;
        }

        /**
         * Sustained: nothing dropped or lost, and the queue did not grow: it held under one second of
         * offered records when offering stopped and its trend was under 1 % of the offered rate.
         */
        boolean sustained() {
            List<Sampler.Sample> o = offering();
            long lastDepth = o.isEmpty() ? 0 : o.getLast().depth();
            return dropped == 0 && lost() == 0 && rate > 0 && lastDepth < rate && growth() < rate * 0.01;
        }

        String series() {
            var perSecond = new StringBuilder();
            long second = 0, max = 0;
            for (Sampler.Sample s : samples) {
                if (s.nanos() / 1_000_000_000 > second) {
                    perSecond.append(max).append(' ');
                    second = s.nanos() / 1_000_000_000;
                    max = 0;
                }
                max = Math.max(max, s.depth());
            }
            return perSecond.append(max).toString();
        }

        String line() {
            long[] d = depths();
            return String.format(Locale.ROOT, "LEDGER WRITER %s: offered %,d in %.1f s, dropped %,d, written %,.0f/s"
                            + " while offering, drained in %.1f s, queue %,d / %,d / %,d, growth %,.0f/s, raw rows +%,d,"
                            + " lost %,d, rollups=raw %s, totals=offered %s, sustained %s, utilisation %.2f,"
                            + " cpu µs/record writer/postgres %s, others' cores %s, checkpoints %d",
                    name, offered[0], offeringNanos / 1e9, dropped, writtenPerSecond(), drainNanos / 1e9, d[0],
                    d[d.length / 2], d[d.length - 1], growth(), rawAdded(), lost(), rollupsMatch(), totalsMatch(),
                    sustained(), utilisation(), cpuPerRecord(), others(), checkpoints());
        }

        String row() {
            long[] d = depths();
            return String.format(Locale.ROOT, "| %s | %,.0f | %,d / %,d / %,d | %,.0f | %.1f | %,d | %,d | %,d | %,d | %s | %s"
                            + " | %s |", rate == 0 ? "max" : String.format(Locale.ROOT, "%,d", rate), writtenPerSecond(),
                    d[0], d[d.length / 2], d[d.length - 1], growth(), drainNanos / 1e9, accepted(), dropped, rawAdded(),
                    lost(), rollupsMatch() ? "yes" : "NO", totalsMatch(), sustained() ? "yes" : "no");
        }

        String machineRow() {
            double[] ms = seconds.stream().mapToDouble(Sampler.Second::batchMs).filter(v -> v > 0).sorted().toArray();
            return String.format(Locale.ROOT, "| %s | %.2f | %s | %s | %s | %d | %d |",
                    rate == 0 ? "max" : String.format(Locale.ROOT, "%,d", rate), utilisation(),
                    ms.length == 0 ? "-" : String.format(Locale.ROOT, "%.0f / %.0f", ms[ms.length / 2], ms[ms.length - 1]),
                    cpuPerRecord(), others(), checkpoints(),
                    seconds.stream().mapToInt(Sampler.Second::autovacuum).sum());
        }

        /** CPU per record written: the writer thread, and all of the server's processes. */
        String cpuPerRecord() {
            long n = Math.max(1, rawAdded());
            return String.format(Locale.ROOT, "%.1f / %.1f", writerCpuNanos / 1e3 / n, postgresCpuNanos / 1e3 / n);
        }

        String others() {
            double[] o = seconds.stream().mapToDouble(Sampler.Second::others).sorted().toArray();
            return o.length == 0 ? "-" : String.format(Locale.ROOT, "%.2f / %.2f", o[o.length / 2], o[o.length - 1]);
        }

        long checkpoints() {
            return seconds.stream().mapToLong(Sampler.Second::checkpoints).sum();
        }

        void writeCsv(Path dir) throws IOException {
            var lines = new ArrayList<String>();
            lines.add("seconds,queue_depth,written");
            for (Sampler.Sample s : samples) {
                lines.add(String.format(Locale.ROOT, "%.3f,%d,%d", s.nanos() / 1e9, s.depth(), s.written()));
            }
            Files.write(dir.resolve(name + ".csv"), lines);
            lines.clear();
            lines.add("seconds,interval_s,written,jvm_cores,postgres_cores,others_cores,checkpoints,autovacuum_workers,"
                    + "batch_ms");
            for (Sampler.Second s : seconds) {
                lines.add(String.format(Locale.ROOT, "%.1f,%.2f,%d,%.2f,%.2f,%.2f,%d,%d,%.1f", s.at(), s.interval(),
                        s.written(), s.jvm(), s.postgres(), s.others(), s.checkpoints(), s.autovacuum(), s.batchMs()));
            }
            Files.write(dir.resolve(name + "-seconds.csv"), lines);
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
                    Instant.now().minusMillis(latency), io.portcullis.gateway.usage.BilledBy.REPORTED);
        }

        private UUID uuid() {
            // version 4 layout without SecureRandom, so the generator stays cheap next to the writer
            long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
            long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
            return new UUID(msb, lsb);
        }
    }

    /**
     * CPU time from /proc: the ledger's writer thread, this JVM, the PostgreSQL server (postmaster,
     * its live children, and the children it has reaped, such as autovacuum workers) and the whole
     * machine. CPU per record is less disturbed by other load on a shared machine than rates are.
     */
    static final class Machine {
        private static final long TICK_NANOS = 10_000_000; // USER_HZ = 100 on Linux
        private final long postmaster;
        private final Thread writer;

        Machine(Path dataDir) throws IOException {
            this.postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().trim());
            this.writer = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("usage-ledger-writer")).findFirst().orElseThrow();
        }

        long writerNanos() {
            return ManagementFactory.getThreadMXBean().getThreadCpuTime(writer.threadId());
        }

        long postgresNanos() throws IOException {
            return ticks()[2] * TICK_NANOS;
        }

        /** Ticks used so far by the machine (all CPUs, busy), this JVM and the PostgreSQL server. */
        long[] ticks() throws IOException {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < Math.min(cpu.length, 9); i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(cpu[i]);
                }
            }
            String[] self = stat(Path.of("/proc/self/stat"));
            long jvm = Long.parseLong(self[11]) + Long.parseLong(self[12]);
            long pg = 0;
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                    try {
                        String[] f = stat(p.resolve("stat"));
                        // f[1] is the parent pid; f[11], f[12] user and system ticks; f[13], f[14] those of reaped children
                        if (Long.parseLong(p.getFileName().toString()) == postmaster) {
                            pg += Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13])
                                    + Long.parseLong(f[14]);
                        } else if (Long.parseLong(f[1]) == postmaster) {
                            pg += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        }
                    } catch (IOException | RuntimeException gone) {
                        // the process ended between listing and reading
                    }
                }
            }
            return new long[] {busy, jvm, pg};
        }

        private static String[] stat(Path file) throws IOException {
            String stat = Files.readString(file);
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
