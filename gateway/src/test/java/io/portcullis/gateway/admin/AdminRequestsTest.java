package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.usage.BilledBy;
import io.portcullis.gateway.usage.UsageLedger;
import io.portcullis.gateway.usage.UsageRecord;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** {@code GET /admin/api/requests}: keyset paging over the raw ledger, its filters, and what it refuses. */
class AdminRequestsTest extends GatewayIntegrationTest {

    @Autowired
    UsageLedger ledger;

    private UsageRecord record(UUID key, UUID team, String model, String outcome, int status, Instant at) {
        return new UsageRecord(UUID.randomUUID(), null, key, team, model, "fake", "chat.completions", status, outcome,
                false, 10, 5, 0, 1_234_567, 42, null, at, BilledBy.REPORTED);
    }

    private void write(List<UsageRecord> records) {
        records.forEach(ledger::record);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.pending() == 0);
    }

    private static String requestId(UsageRecord r) {
        return "req_" + r.id().toString().replace("-", "");
    }

    private JsonNode get(String query) {
        var answer = client.admin("GET", "/admin/api/requests?" + query, null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return GatewayClient.json(answer);
    }

    private static List<String> ids(JsonNode page) {
        var ids = new ArrayList<String>();
        page.get("data").forEach(r -> ids.add(r.get("requestId").stringValue()));
        return ids;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void pagesThroughAKnownSetNewestFirstWithoutDuplicatesOrGapsWhileNewerRequestsArrive() {
        UUID key = UUID.randomUUID();
        Instant base = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
        var known = new ArrayList<UsageRecord>();
        for (int i = 0; i < 30; i++) {
            // Pairs share a timestamp, so the id has to break ties for the keyset to neither skip nor repeat.
            known.add(record(key, null, "fake-chat", "success", 200, base.plusSeconds(i / 2)));
        }
        write(known);
        List<String> expected = known.stream()
                .sorted(Comparator.comparing(UsageRecord::createdAt)
                        // PostgreSQL orders uuids byte by byte, as their text sorts; Java's UUID.compareTo is signed
                        .thenComparing((UsageRecord r) -> r.id().toString()).reversed())
                .map(AdminRequestsTest::requestId).toList();

        JsonNode first = get("keyId=" + key + "&limit=10");
        // Newer requests arrive between pages: they belong before page one, so later pages do not move.
        write(List.of(record(key, null, "fake-chat", "success", 200, Instant.now()),
                record(key, null, "fake-chat", "success", 200, base.plusSeconds(20))));
        String window = "&from=" + enc(first.get("from").stringValue()) + "&to=" + enc(first.get("to").stringValue());
        JsonNode second = get("keyId=" + key + "&limit=10" + window + "&cursor=" + first.get("nextCursor").stringValue());
        JsonNode third = get("keyId=" + key + "&limit=10" + window + "&cursor=" + second.get("nextCursor").stringValue());

        var seen = new ArrayList<String>();
        for (JsonNode page : List.of(first, second, third)) {
            assertThat(page.get("data")).hasSize(10);
            seen.addAll(ids(page));
        }
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(new HashSet<>(seen)).hasSize(30);
        assertThat(third.get("nextCursor").isNull()).as("nothing older in the window").isTrue();
        JsonNode row = first.at("/data/0");
        assertThat(row.get("costUsd").stringValue()).isEqualTo("1.234567");
        assertThat(row.get("keyId").stringValue()).isEqualTo(key.toString());
        assertThat(row.get("keyName").isNull()).as("no such key in api_key").isTrue();
        assertThat(row.get("billedBy").stringValue()).isEqualTo("reported");
        assertThat(row.get("latencyMs").intValue()).isEqualTo(42);
        assertThat(get("keyId=" + key + "&limit=200").get("data")).as("with the newer ones").hasSize(32);
    }

    @Test
    void filtersByTeamModelAndOutcomeAndShowsTheKeysName() {
        var created = client.createKey("{\"name\":\"requests page key " + System.nanoTime() + "\"}");
        UUID key = UUID.fromString(created.id());
        UUID team = UUID.randomUUID();
        Instant at = Instant.now().minusSeconds(60);
        var ok = record(key, team, "fake-chat", "success", 200, at);
        var limited = record(key, team, "fake-chat", "rate_limit_exceeded", 429, at.plusMillis(1));
        var embed = record(key, null, "fake-embed", "success", 200, at.plusMillis(2));
        write(List.of(ok, limited, embed));

        assertThat(ids(get("keyId=" + key))).containsExactly(requestId(embed), requestId(limited), requestId(ok));
        assertThat(ids(get("teamId=" + team))).containsExactly(requestId(limited), requestId(ok));
        assertThat(ids(get("keyId=" + key + "&model=fake-embed"))).containsExactly(requestId(embed));
        assertThat(ids(get("keyId=" + key + "&outcome=rate_limit_exceeded"))).containsExactly(requestId(limited));
        assertThat(ids(get("teamId=" + team + "&outcome=success&model=fake-chat"))).containsExactly(requestId(ok));
        assertThat(ids(get("keyId=" + key + "&model=never-recorded-model"))).isEmpty();
        assertThat(ids(get("keyId=" + key + "&outcome=upstream_broken"))).isEmpty();
        assertThat(get("keyId=" + key).at("/data/0/keyName").stringValue()).startsWith("requests page key");
        assertThat(ids(get("keyId=" + key + "&to=" + enc(at.toString())))).as("'to' is exclusive").isEmpty();
    }

    @Test
    void refusesBadParametersWithA400NamingThem() {
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString("v1.99999999999999999.x".getBytes());
        var cases = Map.ofEntries(
                Map.entry("keyId=not-a-uuid", "keyId"),
                Map.entry("teamId=42", "teamId"),
                Map.entry("outcome=exploded", "outcome"),
                Map.entry("outcome=SUCCESS", "outcome"),
                Map.entry("cursor=%%%", "cursor"),
                Map.entry("cursor=bm90LWEtY3Vyc29y", "cursor"),
                Map.entry("cursor=" + forged, "cursor"),
                Map.entry("limit=0", "limit"),
                Map.entry("limit=201", "limit"),
                Map.entry("limit=ten", "limit"),
                Map.entry("limit=99999999999", "limit"),
                Map.entry("from=yesterday", "from"),
                Map.entry("from=2026-01-01&to=2026-03-01", "from"),
                Map.entry("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "from"));
        cases.forEach((query, param) -> {
            var answer = client.admin("GET", "/admin/api/requests?" + query.replace("%%%", "%25%25%25"), null);
            assertThat(answer.statusCode()).as(query + ": " + answer.body()).isEqualTo(400);
            var error = GatewayClient.json(answer).get("error");
            assertThat(error.get("code").stringValue()).isEqualTo("invalid_request_error");
            assertThat(error.get("param").stringValue()).as(query).isEqualTo(param);
        });
        assertThat(get("from=2026-01-01&to=2026-01-31").get("data")).as("31 days is allowed").isNotNull();
    }

    @Test
    void aViewerReadsTheRequestsAndAnAnonymousCallerDoesNot() {
        String viewer = AdminIdentities.token(client, "viewer");

        var answer = AdminIdentities.call(client, "GET", "/admin/api/requests?limit=1", viewer, null);
        var anonymous = AdminIdentities.call(client, "GET", "/admin/api/requests", null, null);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(GatewayClient.json(answer).has("nextCursor")).isTrue();
        assertThat(anonymous.statusCode()).isEqualTo(401);
    }
}
