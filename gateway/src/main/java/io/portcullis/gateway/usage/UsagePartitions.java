package io.portcullis.gateway.usage;

import io.portcullis.gateway.housekeeping.HousekeepingTask;
import io.portcullis.gateway.housekeeping.PeriodicWork;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keeps the raw ledger's daily partitions ({@code usage_event_pYYYYMMDD}, UTC days) created ahead
 * of time, and drops whole partitions past {@code gateway.usage.retention} — no mass DELETE, no
 * VACUUM debt. Rollups are written with every batch, so a dropped day is already in them. Hourly
 * rollups past {@code gateway.usage.hourly-retention} are deleted in small batches, each its own
 * transaction: run every hour, each run has about an hour's rows to delete. Batch ids older than a
 * day ({@link #BATCH_ID_HORIZON}) are deleted the same way.
 *
 * <p>Daily rather than monthly: retention then works to the day, each partition's indexes stay
 * small, and a query for "today" prunes to one partition. PostgreSQL 17 plans over hundreds of
 * partitions without trouble (docs/usage.md). Runs at start (before the first write) and hourly on
 * the housekeeper; replicas take turns through an advisory lock.
 */
@Component
public class UsagePartitions implements PeriodicWork, SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(UsagePartitions.class);
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("'usage_event_p'yyyyMMdd");
    private static final long LOCK = 7235002;
    private static final Duration EVERY = Duration.ofHours(1);
    private static final int PRUNE_BATCH = 10_000;
    /**
     * How long a batch id is kept in {@code usage_batch}. It is only read by the replica retrying
     * that batch, within seconds (backoff is capped at 5 s); a day is generous: only a replica cut
     * off from PostgreSQL for a whole day (its queue long since full, alerts firing) could retry later.
     */
    static final Duration BATCH_ID_HORIZON = Duration.ofDays(1);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final InstantSource clock;
    private final int ahead;
    private final Duration retention;
    private final Duration hourlyRetention;

    UsagePartitions(JdbcTemplate jdbc, TransactionTemplate tx, InstantSource clock, UsageProperties usage) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.clock = clock;
        this.ahead = usage.partitionsAhead();
        this.retention = usage.retention();
        this.hourlyRetention = usage.hourlyRetention();
    }

    /** Creates missing partitions from yesterday to {@code ahead} days on, and drops expired ones. */
    public void maintain(Instant now) {
        tx.executeWithoutResult(status -> {
            jdbc.queryForList("select pg_advisory_xact_lock(?)", LOCK);
            LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
            List<String> existing = partitions();
            for (LocalDate day = today.minusDays(1); !day.isAfter(today.plusDays(ahead)); day = day.plusDays(1)) {
                if (!existing.contains(NAME.format(day))) {
                    create(day);
                }
            }
            if (!retention.isZero()) {
                LocalDate keepFrom = LocalDate.ofInstant(now.minus(retention), ZoneOffset.UTC);
                for (String name : existing) {
                    LocalDate day = LocalDate.parse(name.substring("usage_event_p".length()),
                            DateTimeFormatter.BASIC_ISO_DATE);
                    if (day.isBefore(keepFrom)) {
                        jdbc.execute("drop table " + name);
                        log.info("Dropped raw usage partition {} (retention {} days; its totals stay in the rollups)",
                                name, retention.toDays());
                    }
                }
            }
        });
    }

    /**
     * Deletes hourly rollups older than {@code gateway.usage.hourly-retention} (nothing when it is
     * zero), {@value #PRUNE_BATCH} rows per transaction so no statement holds locks for long.
     *
     * @return how many rows were deleted
     */
    public long pruneHourlyRollups(Instant now) {
        if (hourlyRetention.isZero()) {
            return 0;
        }
        Timestamp before = Timestamp.from(hourlyRetainedFrom(now, hourlyRetention));
        long total = 0;
        int deleted;
        do {
            deleted = jdbc.update("delete from usage_hourly where ctid = any (array("
                    + "select ctid from usage_hourly where bucket < ? limit ?))", before, PRUNE_BATCH);
            total += deleted;
        } while (deleted == PRUNE_BATCH);
        if (total > 0) {
            log.info("Deleted {} hourly usage rollup rows before {} (hourly retention {} days; daily rollups stay)",
                    total, before.toInstant(), hourlyRetention.toDays());
        }
        return total;
    }

    /**
     * Deletes batch ids written before {@link #BATCH_ID_HORIZON}, {@value #PRUNE_BATCH} per
     * statement (an index on {@code written_at} finds them); without this {@code usage_batch} grew
     * by one row per batch forever.
     *
     * @return how many were deleted
     */
    public long pruneBatchIds(Instant now) {
        Timestamp before = Timestamp.from(now.minus(BATCH_ID_HORIZON));
        long total = 0;
        int deleted;
        do {
            deleted = jdbc.update("delete from usage_batch where id = any (array("
                    + "select id from usage_batch where written_at < ? limit ?))", before, PRUNE_BATCH);
            total += deleted;
        } while (deleted == PRUNE_BATCH);
        if (total > 0) {
            log.debug("Deleted {} usage batch ids written before {}", total, before.toInstant());
        }
        return total;
    }

    /** The first hour whose hourly rollups are kept under {@code retention}; {@link Instant#MIN} when all are. */
    static Instant hourlyRetainedFrom(Instant now, Duration retention) {
        return retention.isZero() ? Instant.MIN : now.minus(retention).truncatedTo(ChronoUnit.HOURS);
    }

    /** Names of the daily partitions that exist, oldest first. */
    public List<String> partitions() {
        return new ArrayList<>(jdbc.queryForList("""
                select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
                join pg_class p on p.oid = i.inhparent
                where p.relname = 'usage_event' and c.relname like 'usage\\_event\\_p%' order by c.relname""",
                String.class));
    }

    private void create(LocalDate day) {
        String name = NAME.format(day);
        String from = day.atStartOfDay(ZoneOffset.UTC).toInstant().toString();
        String to = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toString();
        Boolean stray = jdbc.queryForObject("select exists (select 1 from usage_event_default where created_at >= ?::timestamptz"
                + " and created_at < ?::timestamptz)", Boolean.class, from, to);
        if (Boolean.TRUE.equals(stray)) {
            // Rows for that day wait in the default partition (written while no partition existed):
            // move them into the new partition, which PostgreSQL refuses to create over them.
            jdbc.execute("alter table usage_event detach partition usage_event_default");
            jdbc.execute("create table " + name + " partition of usage_event for values from ('" + from + "') to ('" + to + "')");
            jdbc.update("with moved as (delete from usage_event_default where created_at >= ?::timestamptz"
                    + " and created_at < ?::timestamptz returning *) insert into " + name + " select * from moved", from, to);
            jdbc.execute("alter table usage_event attach partition usage_event_default default");
        } else {
            jdbc.execute("create table " + name + " partition of usage_event for values from ('" + from + "') to ('" + to + "')");
        }
    }

    /**
     * Creates the partitions once every bean exists (Flyway has migrated) and before any lifecycle
     * starts: so before the ledger's writer, and its first write, and before the housekeeper.
     */
    @Override
    public void afterSingletonsInstantiated() {
        maintain(clock.instant());
    }

    /**
     * Partitions hourly; each pruning its own task, so one failing does not hold back the other,
     * and first run right after the start (by the housekeeper: a backlog must not delay the start).
     */
    @Override
    public List<HousekeepingTask> housekeepingTasks() {
        return List.of(
                new HousekeepingTask("usage.partitions", EVERY, EVERY, () -> maintain(clock.instant())),
                new HousekeepingTask("usage.prune-hourly-rollups", EVERY, Duration.ZERO,
                        () -> pruneHourlyRollups(clock.instant())),
                new HousekeepingTask("usage.prune-batch-ids", EVERY, Duration.ZERO, () -> pruneBatchIds(clock.instant())));
    }
}
