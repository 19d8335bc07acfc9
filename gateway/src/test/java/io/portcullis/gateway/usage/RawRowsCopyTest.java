package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.policy.quota.Units;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The raw rows go to PostgreSQL in the binary copy format, where the server takes each value's
 * bytes as its column's type: every column read back as written, NULLs as NULLs, text as UTF-8,
 * timestamps to the microsecond (rounded, as the JDBC driver's text form was).
 */
class RawRowsCopyTest extends GatewayIntegrationTest {

    @Autowired
    UsageWriter writer;
    @Autowired
    UsageNames names;

    private UUID key() {
        return UUID.fromString(client.createKey().id());
    }

    @Test
    void readsEveryColumnBackAsWritten() throws Exception {
        UUID key = key();
        UUID id = UUID.randomUUID();
        UUID team = UUID.fromString(io.portcullis.gateway.support.GatewayClient.json(client.admin("POST", "/admin/api/teams",
                "{\"name\":\"copy-" + System.nanoTime() + "\"}")).get("id").stringValue());
        Instant at = Instant.parse("2026-12-06T20:31:29.123456789Z");
        var record = new UsageRecord(id, "client-id-é-✓", key, team, "fake-chat", "fake", "chat", 429,
                "rate_limited", true, 2_000_000_000, 7, 3, 9_876_543_210L, 1_234, 56, at, BilledBy.STREAMED,
                new Units(61, 1_001, 2));

        assertThat(writer.write(UUID.randomUUID(), List.of(record))).isTrue();

        Map<String, Object> row = jdbc.queryForMap("select * from usage_event where id = ?", id);
        assertThat(row).containsEntry("key_id", key).containsEntry("team_id", team)
                .containsEntry("client_request_id", "client-id-é-✓")
                .containsEntry("cost_micros", 9_876_543_210L).containsEntry("prompt_tokens", 2_000_000_000)
                .containsEntry("completion_tokens", 7).containsEntry("cached_tokens", 3)
                .containsEntry("latency_ms", 1_234).containsEntry("ttft_ms", 56)
                .containsEntry("model_id", (int) names.id("fake-chat")).containsEntry("backend_id", (int) names.id("fake"))
                .containsEntry("endpoint_id", (int) names.id("chat")).containsEntry("status", 429)
                .containsEntry("outcome_id", (int) names.id("rate_limited")).containsEntry("streamed", true)
                .containsEntry("billed_by", (int) BilledBy.STREAMED.code()).containsEntry("audio_seconds", 61)
                .containsEntry("characters", 1_001).containsEntry("images", 2);
        assertThat(((Timestamp) row.get("created_at")).toInstant())
                .isEqualTo(Instant.parse("2026-12-06T20:31:29.123457Z"));
    }

    @Test
    void writesNullsForWhatARecordLeavesOut() throws Exception {
        UUID key = key();
        UUID id = UUID.randomUUID();
        Instant beforePostgresEpoch = Instant.parse("1999-12-31T23:59:59.999999Z"); // before PostgreSQL's epoch: negative
        var record = new UsageRecord(id, null, key, null, "fake-chat", null, "chat", 200, "success", false, 0, 0, 0,
                0, 0, null, beforePostgresEpoch, null, Units.NONE);

        assertThat(writer.write(UUID.randomUUID(), List.of(record))).isTrue();

        Map<String, Object> row = jdbc.queryForMap("select * from usage_event where id = ?", id);
        assertThat(row).containsEntry("team_id", null).containsEntry("client_request_id", null)
                .containsEntry("backend_id", null).containsEntry("ttft_ms", null).containsEntry("billed_by", null)
                .containsEntry("audio_seconds", null).containsEntry("characters", null).containsEntry("images", null)
                .containsEntry("streamed", false).containsEntry("cost_micros", 0L);
        assertThat(((Timestamp) row.get("created_at")).toInstant()).isEqualTo(beforePostgresEpoch);
    }

    @Test
    void writesABatchLargerThanItsFirstGuessOfTheSize() throws Exception {
        UUID key = key();
        String longId = "x".repeat(5_000); // more than the 200 bytes a row is guessed at
        var records = java.util.stream.IntStream.range(0, 50).mapToObj(i -> new UsageRecord(UUID.randomUUID(),
                longId + i, key, null, "fake-chat", "fake", "chat", 200, "success", false, i, i, 0, i, 1, null,
                Instant.now(), BilledBy.REPORTED, Units.NONE)).toList();

        assertThat(writer.write(UUID.randomUUID(), records)).isTrue();

        assertThat(jdbc.queryForObject(
                "select count(*) from usage_event where key_id = ? and length(client_request_id) > 5000",
                Integer.class, key)).isEqualTo(50);
    }
}
