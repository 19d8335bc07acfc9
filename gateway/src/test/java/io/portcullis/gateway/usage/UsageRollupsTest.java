package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Property: whatever traffic the ledger receives, the hourly and daily rollups equal the sums of
 * the raw rows, in total and per key, model and outcome. Each seed generates a different random
 * mix of keys, teams, models, outcomes, token counts, costs and times spread over five days.
 */
class UsageRollupsTest extends GatewayIntegrationTest {

    private static final List<String> MODELS = List.of("fake-chat", "fake-embed", "fake-metered", UsageNames.UNKNOWN_MODEL);
    private static final List<String> OUTCOMES = List.of("success", "backend_error", "client_closed", "rate_limit_exceeded");

    @Autowired
    UsageLedger ledger;
    @Autowired
    RollupMaintenance rollups;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 42, 20261127})
    void rollupsEqualTheSumsOfRawRows(long seed) {
        var random = new Random(seed);
        UUID[] keys = {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()};
        UUID[] teams = {null, UUID.randomUUID()};
        Instant base = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(1));
        int n = 500 + random.nextInt(1500);
        for (int i = 0; i < n; i++) {
            int status = random.nextInt(10) < 8 ? 200 : 400 + random.nextInt(200);
            ledger.record(new UsageRecord(UUID.randomUUID(), random.nextBoolean() ? "client-" + i : null,
                    keys[random.nextInt(keys.length)], teams[random.nextInt(teams.length)],
                    MODELS.get(random.nextInt(MODELS.size())), random.nextBoolean() ? "fake" : null, "chat", status,
                    OUTCOMES.get(random.nextInt(OUTCOMES.size())), random.nextBoolean(), random.nextInt(5000),
                    random.nextInt(2000), random.nextInt(100), random.nextLong(1_000_000), random.nextInt(30_000),
                    random.nextBoolean() ? random.nextInt(5000) : null,
                    base.plusMillis(random.nextLong(Duration.ofDays(5).toMillis())), BilledBy.REPORTED));
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ledger.pending() == 0);

        var check = rollups.check(base.minus(Duration.ofDays(1)), base.plus(Duration.ofDays(7)));
        assertThat(check.consistent()).as("raw %s hourly %s daily %s", check.raw(), check.hourly(), check.daily()).isTrue();

        String in = "('" + keys[0] + "','" + keys[1] + "','" + keys[2] + "')";
        List<Map<String, Object>> raw = jdbc.queryForList("select key_id, model_id, outcome_id, count(*) as requests,"
                + " sum(prompt_tokens) as prompt, sum(completion_tokens) as completion, sum(cost_micros) as cost"
                + " from usage_event where key_id in " + in + " group by 1, 2, 3 order by 1, 2, 3");
        for (String table : List.of("usage_hourly", "usage_daily")) {
            List<Map<String, Object>> rolled = jdbc.queryForList("select key_id, model_id, outcome_id,"
                    + " sum(requests)::bigint as requests, sum(prompt_tokens)::bigint as prompt,"
                    + " sum(completion_tokens)::bigint as completion, sum(cost_micros)::bigint as cost"
                    + " from " + table + " where key_id in " + in + " group by 1, 2, 3 order by 1, 2, 3");
            assertThat(normalise(rolled)).as(table).isEqualTo(normalise(raw));
        }
        assertThat(normalise(raw).stream().mapToLong(r -> (Long) r.get("requests")).sum()).isEqualTo(n);
    }

    private static List<Map<String, Object>> normalise(List<Map<String, Object>> rows) {
        return rows.stream().map(r -> {
            var out = new java.util.TreeMap<String, Object>();
            r.forEach((k, v) -> out.put(k, v instanceof Number num ? (Object) num.longValue() : v));
            return (Map<String, Object>) out;
        }).toList();
    }
}
