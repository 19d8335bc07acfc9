package io.portcullis.gateway.quota;

import io.portcullis.policy.quota.LeaseKey;
import io.portcullis.policy.spi.LeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@link LeaseStore} on PostgreSQL. Every grant is one conditional {@code UPDATE} on a row locked
 * for the statement's duration, so concurrent replicas can never be granted more than the limit
 * in total. See docs/quotas.md for the design and its bound. Rows store {@code Metric.name()}:
 * never rename a {@code Metric} constant. A bucket's refill (idle milliseconds × limit) is
 * computed in {@code numeric}: at the largest limit it passes a {@code bigint} after about 106 idle
 * days, and an overflow there would refuse the key forever.
 */
public class JdbcLeaseStore implements LeaseStore {

    /** A replica whose heartbeat is older than this no longer counts for concurrency. */
    static final Duration SLOT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(15);

    private static final String WINDOW_ACQUIRE = """
            with cur as (
                select granted from quota_counter where scope = ? and metric = ? and window_start = ? for update
            ), g as (
                select granted, case when granted + ? <= ? then greatest(?, least(?, (? - granted) / 4)) else 0 end as amt
                from cur
            )
            update quota_counter q set granted = q.granted + g.amt from g
            where q.scope = ? and q.metric = ? and q.window_start = ?
            returning g.amt, g.granted
            """;
    private static final String BUCKET_ACQUIRE = """
            with cur as (
                select least(?::numeric * 1000,
                             level_milli + div(greatest(0, ?::bigint - updated_millis)::numeric * ?, 60))::bigint as lvl
                from rate_bucket where scope = ? and metric = ? for update
            ), g as (
                select lvl, case when lvl >= ?::bigint * 1000 then greatest(?, least(?, lvl / 4000)) else 0 end as amt
                from cur
            )
            update rate_bucket r set level_milli = g.lvl - g.amt * 1000, updated_millis = greatest(r.updated_millis, ?)
            from g where r.scope = ? and r.metric = ?
            returning g.amt, g.lvl
            """;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final UUID replica;

    public JdbcLeaseStore(JdbcTemplate jdbc, TransactionTemplate tx, UUID replica) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.replica = replica;
    }

    @Override
    public Grant acquire(LeaseKey key, long need, long want, long limit, Instant now) {
        return switch (key.metric().shape()) {
            case WINDOW -> acquireWindow(key, need, want, limit);
            case BUCKET -> acquireBucket(key, need, want, limit, now);
            case SLOTS -> acquireSlots(key, need, want, limit);
        };
    }

    private Grant acquireWindow(LeaseKey key, long need, long want, long limit) {
        String metric = key.metric().name();
        for (int attempt = 0; attempt < 2; attempt++) {
            List<long[]> rows = jdbc.query(WINDOW_ACQUIRE, (rs, i) -> new long[] {rs.getLong(1), rs.getLong(2)},
                    key.scope(), metric, key.windowStart(), need, limit, need, want, limit,
                    key.scope(), metric, key.windowStart());
            if (!rows.isEmpty()) {
                long amt = rows.getFirst()[0];
                long before = rows.getFirst()[1];
                long remaining = Math.max(0, limit - before - amt);
                return amt > 0 ? new Grant(amt, remaining, Duration.ZERO) : Grant.refused(remaining, Duration.ZERO);
            }
            jdbc.update("insert into quota_counter (scope, metric, window_start, granted) values (?, ?, ?, 0)"
                    + " on conflict do nothing", key.scope(), metric, key.windowStart());
        }
        throw new IllegalStateException("quota counter row vanished: " + key);
    }

    private Grant acquireBucket(LeaseKey key, long need, long want, long limit, Instant now) {
        String metric = key.metric().name();
        long nowMillis = now.toEpochMilli();
        for (int attempt = 0; attempt < 2; attempt++) {
            List<long[]> rows = jdbc.query(BUCKET_ACQUIRE, (rs, i) -> new long[] {rs.getLong(1), rs.getLong(2)},
                    limit, nowMillis, limit, key.scope(), metric, need, need, want, nowMillis, key.scope(), metric);
            if (!rows.isEmpty()) {
                long amt = rows.getFirst()[0];
                long level = rows.getFirst()[1];
                if (amt > 0) {
                    return new Grant(amt, Math.max(0, (level - amt * 1000) / 1000), Duration.ZERO);
                }
                long missing = need * 1000 - level;
                return Grant.refused(Math.max(0, level / 1000), Duration.ofMillis(Math.max(1, (missing * 60 + limit - 1) / limit)));
            }
            jdbc.update("insert into rate_bucket (scope, metric, level_milli, updated_millis) values (?, ?, ?, ?)"
                    + " on conflict do nothing", key.scope(), metric, limit * 1000, nowMillis);
        }
        throw new IllegalStateException("rate bucket row vanished: " + key);
    }

    private Grant acquireSlots(LeaseKey key, long need, long want, long limit) {
        return tx.execute(status -> {
            // One replica at a time per scope: sums over several rows cannot be made atomic otherwise.
            jdbc.queryForList("select pg_advisory_xact_lock(hashtextextended(?, 7235))", key.scope());
            Long held = jdbc.queryForObject("select coalesce(sum(held), 0) from concurrency_lease where scope = ?"
                    + " and (replica = ? or heartbeat_at > now() - make_interval(secs => ?))", Long.class,
                    key.scope(), replica, SLOT_HEARTBEAT_TIMEOUT.toSeconds());
            long used = held == null ? 0 : held;
            if (used + need > limit) {
                return Grant.refused(Math.max(0, limit - used), Duration.ofSeconds(1));
            }
            long amt = Math.max(need, Math.min(want, (limit - used) / 4));
            jdbc.update("insert into concurrency_lease (scope, replica, held, heartbeat_at) values (?, ?, ?, now())"
                    + " on conflict (scope, replica) do update set held = concurrency_lease.held + excluded.held,"
                    + " heartbeat_at = now()", key.scope(), replica, amt);
            return new Grant(amt, limit - used - amt, Duration.ZERO);
        });
    }

    @Override
    public void release(LeaseKey key, long amount, long limit, Instant now) {
        String metric = key.metric().name();
        switch (key.metric().shape()) {
            case WINDOW -> jdbc.update("update quota_counter set granted = greatest(0, granted - ?)"
                    + " where scope = ? and metric = ? and window_start = ?", amount, key.scope(), metric, key.windowStart());
            case BUCKET -> jdbc.update("update rate_bucket set level_milli = least(?::numeric * 1000, level_milli"
                    + " + div(greatest(0, ?::bigint - updated_millis)::numeric * ?, 60) + ?::numeric * 1000)::bigint,"
                    + " updated_millis = greatest(updated_millis, ?)"
                    + " where scope = ? and metric = ?", limit, now.toEpochMilli(), limit, amount, now.toEpochMilli(),
                    key.scope(), metric);
            case SLOTS -> jdbc.update("update concurrency_lease set held = greatest(0, held - ?), heartbeat_at = now()"
                    + " where scope = ? and replica = ?", amount, key.scope(), replica);
        }
    }

    @Override
    public void charge(LeaseKey key, long amount, Instant now) {
        String metric = key.metric().name();
        switch (key.metric().shape()) {
            case WINDOW -> jdbc.update("insert into quota_counter (scope, metric, window_start, granted) values (?, ?, ?, ?)"
                    + " on conflict (scope, metric, window_start) do update set granted = quota_counter.granted + excluded.granted",
                    key.scope(), metric, key.windowStart(), amount);
            case BUCKET -> jdbc.update("update rate_bucket set level_milli = level_milli - ? * 1000"
                    + " where scope = ? and metric = ?", amount, key.scope(), metric);
            case SLOTS -> {
                // slots are never used beyond what was taken
            }
        }
    }

    /** Keeps this replica's concurrency slots counted; called every few seconds. */
    public void heartbeat() {
        jdbc.update("update concurrency_lease set heartbeat_at = now() where replica = ? and held > 0", replica);
    }

    /** Drops state nobody can need again: windows over for two months, long-dead replicas' slots. */
    public void purge(Instant now) {
        long cutoff = now.minus(Duration.ofDays(62)).getEpochSecond();
        jdbc.update("delete from quota_counter where window_start > 0 and window_start < ?", cutoff);
        jdbc.update("delete from concurrency_lease where heartbeat_at < now() - interval '1 hour'");
    }
}
