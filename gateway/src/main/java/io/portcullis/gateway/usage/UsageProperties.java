package io.portcullis.gateway.usage;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.usage.*}: the usage ledger's queue and batching ({@link BatchingUsageLedger}), and
 * how long raw rows and hourly rollups are kept ({@link UsagePartitions}, {@link RollupMaintenance}).
 *
 * @param queueCapacity   records held in memory while waiting for the database
 * @param batchSize       most records written in one statement
 * @param flushInterval   longest a record waits for its batch to fill
 * @param shutdownTimeout how long shutdown keeps trying to write what is queued
 * @param partitionsAhead how many days of raw-ledger partitions exist ahead of today
 * @param retention       raw rows older than this are dropped, a whole day's partition at a
 *                        time (rollups are kept); zero keeps raw rows forever
 * @param hourlyRetention hourly rollups older than this are deleted (daily rollups are kept
 *                        forever); zero keeps them. At least 35 days, since {@code /v1/me} reads
 *                        the month so far from them
 */
@ConfigurationProperties(UsageProperties.PREFIX)
record UsageProperties(@DefaultValue("100000") int queueCapacity, @DefaultValue("1000") int batchSize,
                       @DefaultValue("100ms") Duration flushInterval,
                       @DefaultValue("30s") Duration shutdownTimeout,
                       @DefaultValue("7") int partitionsAhead,
                       @DefaultValue("0d") Duration retention,
                       @DefaultValue("0d") Duration hourlyRetention) {

    static final String PREFIX = "gateway.usage";

    UsageProperties {
        if (queueCapacity < 1 || batchSize < 1) {
            throw new IllegalArgumentException("gateway.usage.queue-capacity and batch-size must be positive");
        }
        if (partitionsAhead < 1 || partitionsAhead > 366) {
            throw new IllegalArgumentException("gateway.usage.partitions-ahead must be between 1 and 366");
        }
        if (retention.isNegative() || (!retention.isZero() && retention.toDays() < 2)) {
            throw new IllegalArgumentException("gateway.usage.retention must be 0 (keep) or at least 2 days");
        }
        if (hourlyRetention.isNegative() || (!hourlyRetention.isZero() && hourlyRetention.toDays() < 35)) {
            throw new IllegalArgumentException(
                    "gateway.usage.hourly-retention must be 0 (keep) or at least 35 days (/v1/me reads the month from it)");
        }
    }
}
