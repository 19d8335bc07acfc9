package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.policy.quota.Units;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Seconds of audio, characters and images from a settled request to every place usage is shown:
 * the raw row, both rollups (and their check and rebuild), the usage API in every grouping, the
 * list of requests, {@code /v1/me}, the export and the poison table. A token-only row keeps its
 * unit columns NULL (no bytes) and reads as zero everywhere.
 */
class UnitsLedgerTest extends GatewayIntegrationTest {

    @Autowired
    UsageLedger ledger;
    @Autowired
    UsageExport export;
    @Autowired
    RollupMaintenance rollups;

    private UsageRecord record(UUID key, UUID team, String outcome, int status, Units units, String clientRequestId) {
        return new UsageRecord(UUID.randomUUID(), clientRequestId, key, team, "fake-chat", "fake", "chat", status,
                outcome, false, 3, 0, 0, 1_000, 5, null, Instant.now(), BilledBy.REPORTED, units);
    }

    /** A key in a team with four requests: one per unit kind and a token-only one with another outcome. */
    private GatewayClient.Key keyWithUnits() {
        String team = GatewayClient.json(client.admin("POST", "/admin/api/teams",
                "{\"name\":\"units-" + System.nanoTime() + "\"}")).get("id").stringValue();
        var key = client.createKey("{\"name\":\"units\",\"teamId\":\"" + team + "\"}");
        UUID keyId = UUID.fromString(key.id());
        UUID teamId = UUID.fromString(team);
        List.of(record(keyId, teamId, "success", 200, new Units(61, 0, 0), null),
                record(keyId, teamId, "success", 200, new Units(0, 1_001, 0), null),
                record(keyId, teamId, "success", 200, new Units(0, 0, 2), null),
                record(keyId, teamId, "backend_error", 502, Units.NONE, null)).forEach(ledger::record);
        awaitUsageRows(key.id(), 4);
        return key;
    }

    @Test
    void unitsReachTheRawRowsAndBothRollupsAndSurviveARebuild() {
        var key = keyWithUnits();

        assertThat(jdbc.queryForList("select audio_seconds, characters, images from usage_event where key_id = ?::uuid"
                + " order by coalesce(audio_seconds, 0) desc, coalesce(characters, 0) desc, coalesce(images, 0) desc",
                key.id())).containsExactly(row(61, null, null), row(null, 1_001, null), row(null, null, 2),
                row(null, null, null)); // token-only: NULL, not 0, so the row stores nothing for them
        for (String table : new String[] {"usage_hourly", "usage_daily"}) {
            assertRollups(table, key.id());
        }
        Instant now = Instant.now();
        var check = rollups.check(now, now);
        assertThat(check.raw()).containsKeys("audio_seconds", "characters", "images");
        assertThat((Long) check.raw().get("images")).isGreaterThanOrEqualTo(2);
        assertThat(check.consistent()).as("units compared too: %s", check).isTrue();

        rollups.rebuild(now, now);

        for (String table : new String[] {"usage_hourly", "usage_daily"}) {
            assertRollups(table, key.id());
        }
        assertThat(rollups.check(now, now).consistent()).isTrue();
    }

    /** Success carries every unit; the token-only outcome's rollup row keeps NULL, as the writer left it. */
    private void assertRollups(String table, String keyId) {
        var success = jdbc.queryForMap("select sum(audio_seconds) as a, sum(characters) as c, sum(images) as i from "
                + table + " r join usage_name o on o.id = r.outcome_id where key_id = ?::uuid and o.name = 'success'", keyId);
        assertThat(success).as(table).containsEntry("a", java.math.BigDecimal.valueOf(61))
                .containsEntry("c", java.math.BigDecimal.valueOf(1_001)).containsEntry("i", java.math.BigDecimal.valueOf(2));
        var tokenOnly = jdbc.queryForMap("select audio_seconds as a, characters as c, images as i from " + table
                + " r join usage_name o on o.id = r.outcome_id where key_id = ?::uuid and o.name = 'backend_error'", keyId);
        assertThat(tokenOnly).as(table).containsEntry("a", null).containsEntry("c", null).containsEntry("i", null);
    }

    @Test
    void theUsageApiShowsUnitsInEveryGrouping() {
        var key = keyWithUnits();

        for (String groupBy : new String[] {"key", "team", "model", "outcome", "hour", "day", "month"}) {
            var answer = client.admin("GET", "/admin/api/usage?groupBy=" + groupBy + "&keyId=" + key.id(), null);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            var rows = StreamSupport.stream(GatewayClient.json(answer).get("data").spliterator(), false).toList();
            assertThat(rows.stream().mapToLong(r -> r.get("audioSeconds").asLong()).sum()).as(groupBy).isEqualTo(61);
            assertThat(rows.stream().mapToLong(r -> r.get("characters").asLong()).sum()).as(groupBy).isEqualTo(1_001);
            assertThat(rows.stream().mapToLong(r -> r.get("images").asLong()).sum()).as(groupBy).isEqualTo(2);
            if (groupBy.equals("outcome")) {
                JsonNode tokenOnly = rows.stream().filter(r -> r.get("group").stringValue().equals("backend_error"))
                        .findFirst().orElseThrow();
                assertThat(tokenOnly.get("audioSeconds").asLong()).isZero();
                assertThat(tokenOnly.get("characters").isNumber()).as("zero, not null").isTrue();
                assertThat(tokenOnly.get("images").asLong()).isZero();
            }
        }
        var hourly = client.admin("GET", "/admin/api/usage?groupBy=model&granularity=hour&keyId=" + key.id(), null);
        assertThat(GatewayClient.json(hourly).at("/data/0/images").asLong()).isEqualTo(2);
    }

    @Test
    void theRequestsListAndMeShowEachRequestsUnits() {
        var key = keyWithUnits();

        var answer = client.admin("GET", "/admin/api/requests?keyId=" + key.id(), null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        var units = StreamSupport.stream(GatewayClient.json(answer).get("data").spliterator(), false)
                .map(r -> List.of(r.get("audioSeconds").asInt(), r.get("characters").asInt(), r.get("images").asInt()))
                .toList();
        assertThat(units).containsExactlyInAnyOrder(List.of(61, 0, 0), List.of(0, 1_001, 0), List.of(0, 0, 2),
                List.of(0, 0, 0));

        var me = GatewayClient.json(client.get("/v1/me", key.secret()));
        for (String period : new String[] {"today", "month"}) {
            assertThat(me.at("/usage/" + period + "/audioSeconds").asLong()).as(period).isEqualTo(61);
            assertThat(me.at("/usage/" + period + "/characters").asLong()).as(period).isEqualTo(1_001);
            assertThat(me.at("/usage/" + period + "/images").asLong()).as(period).isEqualTo(2);
            assertThat(me.at("/usage/" + period + "/requests").asLong()).as(period).isEqualTo(4);
        }
    }

    @Test
    void aTokenOnlyKeyReadsZeroUnitsInMe() {
        var key = client.createKey();
        assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode())
                .isEqualTo(200);
        awaitUsageRows(key.id(), 1);

        var me = GatewayClient.json(client.get("/v1/me", key.secret()));

        assertThat(me.at("/usage/today/audioSeconds").isNumber()).isTrue();
        assertThat(me.at("/usage/today/audioSeconds").asLong()).isZero();
        assertThat(me.at("/usage/month/characters").asLong()).isZero();
        assertThat(me.at("/usage/month/images").asLong()).isZero();
        assertThat(jdbc.queryForMap("select audio_seconds, characters, images from usage_event where key_id = ?::uuid",
                key.id())).isEqualTo(row(null, null, null));
    }

    @Test
    void aTokenOnlyRowIsNoWiderThanItWasBeforeTheUnitColumns() {
        var key = client.createKey();
        assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode())
                .isEqualTo(200);
        awaitUsageRows(key.id(), 1);

        // the whole tuple (header, null bitmap, data) as stored now, and as the 18 columns before V50 make it
        int now = jdbc.queryForObject("select pg_column_size(e.*) from usage_event e where key_id = ?::uuid",
                Integer.class, key.id());
        int before = jdbc.queryForObject("select pg_column_size(t.*) from (select created_at, cost_micros, id, key_id,"
                + " team_id, prompt_tokens, completion_tokens, cached_tokens, latency_ms, ttft_ms, model_id, backend_id,"
                + " endpoint_id, status, outcome_id, streamed, client_request_id, billed_by from usage_event"
                + " where key_id = ?::uuid) t", Integer.class, key.id());
        int withUnits = jdbc.queryForObject("select pg_column_size(t.*) from (select created_at, cost_micros, id,"
                + " key_id, team_id, prompt_tokens, completion_tokens, cached_tokens, latency_ms, ttft_ms, model_id,"
                + " backend_id, endpoint_id, status, outcome_id, streamed, client_request_id, billed_by, 1 as a, 1 as c,"
                + " 1 as i from usage_event where key_id = ?::uuid) t", Integer.class, key.id());

        assertThat(now).isEqualTo(before);
        assertThat(withUnits).as("the measure can tell: three integers add 12 bytes and padding")
                .isGreaterThanOrEqualTo(before + 12);
    }

    @Test
    void theExportCarriesUnitsInRawAndRollupRows() throws Exception {
        var key = keyWithUnits();
        Instant now = Instant.now();
        var filter = new UsageQueries.Filter(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1)),
                UUID.fromString(key.id()), null, null);

        var raw = new StringWriter();
        export.export(UsageExport.Rows.RAW, UsageExport.Format.CSV, filter, raw);
        var lines = raw.toString().lines().toList();
        assertThat(lines.getFirst()).endsWith(",billed_by,audio_seconds,characters,images");
        assertThat(lines.subList(1, lines.size())).hasSize(4)
                .anyMatch(l -> l.endsWith(",reported,61,0,0")).anyMatch(l -> l.endsWith(",reported,0,1001,0"))
                .anyMatch(l -> l.endsWith(",reported,0,0,2")).anyMatch(l -> l.endsWith(",reported,0,0,0"));
        for (UsageExport.Rows rows : new UsageExport.Rows[] {UsageExport.Rows.HOURLY, UsageExport.Rows.DAILY}) {
            var out = new StringWriter();
            export.export(rows, UsageExport.Format.JSONL, filter, out);
            assertThat(out.toString()).as(rows.name())
                    .contains("\"audio_seconds\":61,\"characters\":1001,\"images\":2}")
                    .contains("\"audio_seconds\":0,\"characters\":0,\"images\":0}");
        }
    }

    @Test
    void aRefusedRecordIsSetAsideWithItsUnits() {
        UUID key = UUID.randomUUID();
        ledger.record(record(key, null, "success", 200, new Units(7, 0, 1), "bad\u0000id"));
        ledger.record(record(key, null, "success", 200, new Units(0, 9, 0), null));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.pending() == 0
                && usageRows(key.toString()) == 1 && !poisoned(key).isEmpty());

        assertThat(poisoned(key)).singleElement().asString().contains("\"units\":{\"audioSeconds\":7,")
                .contains("\"images\":1");
        assertThat(jdbc.queryForObject("select characters from usage_event where key_id = ?", Integer.class, key))
                .isEqualTo(9);
    }

    private List<String> poisoned(UUID key) {
        return jdbc.queryForList("select record from usage_poison where record like ?", String.class, "%" + key + "%");
    }

    private static Map<String, Object> row(Integer audioSeconds, Integer characters, Integer images) {
        var row = new HashMap<String, Object>();
        row.put("audio_seconds", audioSeconds);
        row.put("characters", characters);
        row.put("images", images);
        return row;
    }
}
