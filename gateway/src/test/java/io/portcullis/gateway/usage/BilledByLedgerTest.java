package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Every ledger row says how it was billed; rollups count the answers billed without the backend's figures. */
class BilledByLedgerTest extends GatewayIntegrationTest {

    @Autowired
    UsageLedger ledger;
    @Autowired
    UsageQueries queries;
    @Autowired
    UsageExport export;
    @Autowired
    RollupMaintenance rollups;

    @Test
    void billedByLandsInTheRowAndTheViewAndUnmeteredAnswersInTheRollups() throws Exception {
        UUID key = UUID.randomUUID();
        Instant at = Instant.now().truncatedTo(ChronoUnit.HOURS).plusSeconds(1);
        for (BilledBy billedBy : BilledBy.values()) {
            ledger.record(record(key, billedBy, at));
        }
        ledger.record(record(key, BilledBy.RESERVATION, at));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.pending() == 0);

        assertThat(jdbc.queryForList("select billed_by from usage_event where key_id = ? order by billed_by",
                Short.class, key)).containsExactly((short) 0, (short) 1, (short) 2, (short) 2, (short) 3, (short) 4);
        assertThat(jdbc.queryForList("select billed_by from usage_event_named where key_id = ? order by billed_by",
                String.class, key)).containsExactlyInAnyOrder("none", "reported", "reservation", "reservation", "streamed", "counted");
        for (String table : new String[] {"usage_hourly", "usage_daily"}) {
            assertThat(jdbc.queryForObject("select sum(unmetered) from " + table + " where key_id = ?", Long.class, key))
                    .as(table).isEqualTo(3);
        }
        var filter = new UsageQueries.Filter(at.minus(Duration.ofDays(1)), at.plus(Duration.ofDays(1)), key, null, null);
        assertThat(queries.totals(UsageQueries.GroupBy.KEY, null, filter, 10, 0))
                .singleElement().satisfies(row -> {
                    assertThat(row.requests()).isEqualTo(6);
                    assertThat(row.unmetered()).isEqualTo(3);
                });
        assertThat(queries.totals(UsageQueries.GroupBy.HOUR, null, filter, 10, 0))
                .singleElement().satisfies(row -> assertThat(row.unmetered()).isEqualTo(3));

        var raw = new StringWriter();
        export.export(UsageExport.Rows.RAW, UsageExport.Format.CSV, filter, raw);
        // the units (V50) come after billed_by: zero for these token-only rows
        assertThat(raw.toString().lines().findFirst().orElseThrow()).endsWith(",billed_by,audio_seconds,characters,images");
        assertThat(raw.toString()).contains(",reservation,0,0,0\n").contains(",streamed,0,0,0\n").contains(",counted,0,0,0\n");
        var daily = new StringWriter();
        export.export(UsageExport.Rows.DAILY, UsageExport.Format.JSONL, filter, daily);
        assertThat(daily.toString()).contains("\"unmetered\":3");

        assertThat(rollups.check(at, at).consistent()).isTrue();
        rollups.rebuild(at, at);
        assertThat(jdbc.queryForObject("select sum(unmetered) from usage_hourly where key_id = ?", Long.class, key))
                .as("rebuilt from the raw rows").isEqualTo(3);
        assertThat(jdbc.queryForObject("select sum(unmetered) from usage_daily where key_id = ?", Long.class, key))
                .isEqualTo(3);
    }

    @Test
    void batchIdsPastTheRetryHorizonArePrunedAndNewerOnesKept(@Autowired UsagePartitions partitions) {
        Instant now = Instant.now();
        UUID old = UUID.randomUUID();
        UUID almost = UUID.randomUUID();
        UUID recent = UUID.randomUUID();
        jdbc.update("insert into usage_batch (id, written_at) values (?, ?::timestamptz), (?, ?::timestamptz),"
                + " (?, ?::timestamptz)", old, now.minus(Duration.ofHours(25)).toString(), almost,
                now.minus(Duration.ofHours(23)).toString(), recent, now.toString());

        assertThat(partitions.pruneBatchIds(now)).isGreaterThanOrEqualTo(1);

        assertThat(jdbc.queryForList("select id from usage_batch where id in (?, ?, ?)", UUID.class, old, almost, recent))
                .containsExactlyInAnyOrder(almost, recent);
    }

    private static UsageRecord record(UUID key, BilledBy billedBy, Instant at) {
        return new UsageRecord(UUID.randomUUID(), null, key, null, "fake-chat", "fake", "chat", 200, "success",
                billedBy == BilledBy.STREAMED, 10, 5, 0, 100, 7, null, at, billedBy);
    }
}
