package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.StandaloneGateway;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

class UsagePartitionsTest {

    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("'usage_event_p'yyyyMMdd");

    @Test
    void createsDailyPartitionsAheadAndDropsExpiredOnesKeepingTheirRollups() {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(),
                     Map.of("gateway.usage.retention", "30d", "gateway.usage.partitions-ahead", "3"))) {
            var partitions = gateway.context().getBean(UsagePartitions.class);
            var ledger = gateway.context().getBean(UsageLedger.class);
            var jdbc = gateway.context().getBean(JdbcTemplate.class);
            LocalDate today = LocalDate.now(ZoneOffset.UTC);

            assertThat(partitions.partitions()).contains(NAME.format(today.minusDays(1)), NAME.format(today),
                    NAME.format(today.plusDays(3)));

            // Sixty days ago: its partitions are made as they would have been then, and a row is written.
            Instant then = Instant.now().minus(Duration.ofDays(60));
            partitions.maintain(then);
            UUID key = UUID.randomUUID();
            ledger.record(new UsageRecord(UUID.randomUUID(), null, key, null, "fake-chat", "fake", "chat", 200,
                    "success", false, 100, 50, 0, 1234, 10, null, then, BilledBy.REPORTED));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.pending() == 0);
            String old = NAME.format(LocalDate.ofInstant(then, ZoneOffset.UTC));
            assertThat(jdbc.queryForObject("select count(*) from " + old, Integer.class)).isEqualTo(1);

            partitions.maintain(Instant.now());

            assertThat(partitions.partitions()).doesNotContain(old).contains(NAME.format(today));
            assertThat(jdbc.queryForObject("select count(*) from usage_event where key_id = ?", Integer.class, key))
                    .isZero();
            assertThat(jdbc.queryForObject("select sum(prompt_tokens) from usage_daily where key_id = ?", Long.class, key))
                    .isEqualTo(100);
            assertThat(jdbc.queryForObject("select sum(cost_micros) from usage_hourly where key_id = ?", Long.class, key))
                    .isEqualTo(1234);
        }
    }

    @Test
    void hourlyRollupsPastTheirRetentionAreDeletedWhileDailyRollupsAndRawRowsStay() {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of("gateway.usage.hourly-retention", "40d"))) {
            var partitions = gateway.context().getBean(UsagePartitions.class);
            var ledger = gateway.context().getBean(UsageLedger.class);
            var rollups = gateway.context().getBean(RollupMaintenance.class);
            var jdbc = gateway.context().getBean(JdbcTemplate.class);
            UUID key = UUID.randomUUID();
            Instant old = Instant.now().minus(Duration.ofDays(60));
            Instant recent = Instant.now().minus(Duration.ofDays(10));
            for (Instant then : new Instant[] {old, recent}) {
                partitions.maintain(then);
                ledger.record(new UsageRecord(UUID.randomUUID(), null, key, null, "fake-chat", "fake", "chat", 200,
                        "success", false, 100, 50, 0, then == old ? 1_000 : 7, 10, null, then, BilledBy.REPORTED));
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.pending() == 0);

            assertThat(partitions.pruneHourlyRollups(Instant.now())).isEqualTo(1);

            assertThat(jdbc.queryForObject("select sum(cost_micros) from usage_hourly where key_id = ?", Long.class, key))
                    .as("only the recent hour is left").isEqualTo(7);
            assertThat(jdbc.queryForObject("select sum(cost_micros) from usage_daily where key_id = ?", Long.class, key))
                    .isEqualTo(1_007);
            assertThat(jdbc.queryForObject("select count(*) from usage_event where key_id = ?", Integer.class, key))
                    .isEqualTo(2);
            var oldDay = rollups.check(old, old);
            assertThat(oldDay.hourlyKeptFrom()).isAfter(old);
            assertThat(oldDay.consistent()).as("checked against the daily rollups only").isTrue();
            assertThat(rollups.check(recent, recent).consistent()).isTrue();
            assertThat(partitions.pruneHourlyRollups(Instant.now())).as("nothing left to delete").isZero();
        }
    }

    @Test
    void anHourlyRetentionShorterThanAMonthIsRefusedAtStart() {
        assertThatThrownBy(() -> new UsageProperties(100, 10, Duration.ofMillis(100), Duration.ofSeconds(1), 7,
                Duration.ZERO, Duration.ofDays(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gateway.usage.hourly-retention");
    }

    @Test
    void rowsThatLandedInTheDefaultPartitionMoveIntoTheirDayWhenItIsCreated() {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of())) {
            var partitions = gateway.context().getBean(UsagePartitions.class);
            var ledger = gateway.context().getBean(UsageLedger.class);
            var jdbc = gateway.context().getBean(JdbcTemplate.class);
            Instant future = Instant.now().plus(Duration.ofDays(20)); // beyond the partitions made ahead
            UUID key = UUID.randomUUID();
            ledger.record(new UsageRecord(UUID.randomUUID(), null, key, null, "fake-chat", "fake", "chat", 200,
                    "success", false, 1, 1, 0, 0, 1, null, future, BilledBy.REPORTED));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.pending() == 0);
            assertThat(jdbc.queryForObject("select count(*) from usage_event_default", Integer.class)).isEqualTo(1);

            partitions.maintain(future);

            assertThat(jdbc.queryForObject("select count(*) from usage_event_default", Integer.class)).isZero();
            assertThat(jdbc.queryForObject("select count(*) from "
                    + NAME.format(LocalDate.ofInstant(future, ZoneOffset.UTC)), Integer.class)).isEqualTo(1);
        }
    }
}
