package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Records PostgreSQL refuses for good are set aside; the rest of their batch and later batches are written. */
class PoisonRecordsTest extends GatewayIntegrationTest {

    @Autowired
    UsageLedger ledger;
    @Autowired
    MeterRegistry registry;
    @Autowired
    RollupMaintenance rollups;

    @Test
    void aRecordWithANulCharacterIsSetAsideAndTheRestOfItsBatchIsWritten() {
        UUID key = UUID.randomUUID();
        double poisonedBefore = poisoned();
        List<UsageRecord> batch = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            batch.add(record(key, "good-" + i, "fake"));
        }
        UsageRecord nul = record(key, "bad\u0000id", "fake");
        UsageRecord badName = record(key, null, "back\u0000end"); // refused while resolving its name
        batch.add(13, nul);
        batch.add(31, badName);

        batch.forEach(ledger::record); // well within one flush interval: one batch
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ledger.pending() == 0);

        assertThat(jdbc.queryForObject("select count(*) from usage_event where key_id = ?", Integer.class, key))
                .isEqualTo(40);
        assertThat(jdbc.queryForObject("select sum(requests) from usage_hourly where key_id = ?", Long.class, key))
                .isEqualTo(40);
        assertThat(jdbc.queryForObject("select sum(prompt_tokens) from usage_daily where key_id = ?", Long.class, key))
                .isEqualTo(40 * 10);
        List<Map<String, Object>> poison = jdbc.queryForList("select batch_id, record, sql_state, message, created_at"
                + " from usage_poison where record like ? order by id", "%" + key + "%");
        assertThat(poison).hasSize(2);
        assertThat(poison).extracting(row -> (String) row.get("record"))
                .anySatisfy(json -> assertThat(json).contains(nul.id().toString()).contains("bad\\u0000id"))
                .anySatisfy(json -> assertThat(json).contains(badName.id().toString()).contains("back\\u0000end"));
        assertThat(poison).allSatisfy(row -> {
            assertThat((String) row.get("sql_state")).startsWith("22");
            assertThat((String) row.get("message")).isNotBlank();
            assertThat(row.get("batch_id")).isEqualTo(poison.getFirst().get("batch_id"));
        });
        assertThat(poisoned() - poisonedBefore).isEqualTo(2);
        var day = rollups.check(Instant.now(), Instant.now());
        assertThat(day.consistent()).as("raw %s hourly %s daily %s", day.raw(), day.hourly(), day.daily()).isTrue();

        ledger.record(record(key, "after", "fake"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.pending() == 0);
        assertThat(jdbc.queryForObject("select count(*) from usage_event where key_id = ?", Integer.class, key))
                .as("the ledger is not stuck").isEqualTo(41);
    }

    private double poisoned() {
        return registry.get("portcullis.usage.records.poisoned").counter().count();
    }

    private static UsageRecord record(UUID key, String clientRequestId, String backend) {
        return new UsageRecord(UUID.randomUUID(), clientRequestId, key, null, "fake-chat", backend, "chat", 200,
                "success", false, 10, 5, 0, 100, 7, null, Instant.now(), BilledBy.REPORTED);
    }
}
