package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

@ExtendWith(OutputCaptureExtension.class)
class AuditLogTest extends GatewayIntegrationTest {

    @Test
    void recordsEveryKeyChangeWithWhoAndBeforeAndAfterButNeverTheSecret() {
        String operator = AdminIdentities.token(client, "operator");
        var created = GatewayClient.json(AdminIdentities.call(client, "POST", "/admin/api/keys", operator,
                "{\"name\":\"audited\",\"models\":[\"fake-chat\"]}"));
        String id = created.get("id").stringValue();
        AdminIdentities.call(client, "PATCH", "/admin/api/keys/" + id, operator, "{\"models\":[\"fake-embed\"]}");
        String rotated = GatewayClient.json(AdminIdentities.call(client, "POST", "/admin/api/keys/" + id + "/rotate",
                operator, null)).get("key").stringValue();
        AdminIdentities.call(client, "DELETE", "/admin/api/keys/" + id, operator, null);

        var audit = client.admin("GET", "/admin/api/audit?limit=1000", null);
        List<JsonNode> entries = forTarget(GatewayClient.json(audit), id);

        assertThat(entries).extracting(e -> e.get("action").stringValue())
                .containsExactly("key.revoke", "key.rotate", "key.update", "key.create");
        assertThat(entries).allSatisfy(e -> assertThat(e.get("actor").stringValue()).startsWith("operator-")
                .endsWith("(token operator script)"));
        JsonNode update = entries.get(2);
        assertThat(update.at("/before/models/0").stringValue()).isEqualTo("fake-chat");
        assertThat(update.at("/after/models/0").stringValue()).isEqualTo("fake-embed");
        assertThat(entries.get(0).at("/after/status").stringValue()).isEqualTo("revoked");
        assertThat(audit.body()).doesNotContain(created.get("key").stringValue().substring(16))
                .doesNotContain(rotated.substring(16));
    }

    @Test
    void recordsEveryTeamChangeWithWhoAndBeforeAndAfter() {
        String operator = AdminIdentities.token(client, "operator");
        String name = "audited team " + System.nanoTime();
        var created = GatewayClient.json(AdminIdentities.call(client, "POST", "/admin/api/teams", operator,
                "{\"name\":\"" + name + "\",\"limits\":{\"tokensPerDay\":1000}}"));
        String id = created.get("id").stringValue();
        AdminIdentities.call(client, "PATCH", "/admin/api/teams/" + id, operator,
                "{\"limits\":{\"tokensPerDay\":2000,\"spendPerMonthUsd\":\"12.5\"}}");
        assertThat(AdminIdentities.call(client, "DELETE", "/admin/api/teams/" + id, operator, null).statusCode())
                .isEqualTo(204);

        var entries = forTarget(GatewayClient.json(client.admin("GET", "/admin/api/audit?limit=1000", null)), id);

        assertThat(entries).extracting(e -> e.get("action").stringValue())
                .containsExactly("team.delete", "team.update", "team.create");
        assertThat(entries).allSatisfy(e -> assertThat(e.get("actor").stringValue()).startsWith("operator-"));
        assertThat(entries.get(2).at("/after/name").stringValue()).isEqualTo(name);
        assertThat(entries.get(1).at("/before/limits/tokensPerDay").longValue()).isEqualTo(1000);
        assertThat(entries.get(1).at("/after/limits/tokensPerDay").longValue()).isEqualTo(2000);
        assertThat(entries.get(1).at("/after/limits/spendPerMonthUsd").stringValue()).isEqualTo("12.500000");
        assertThat(entries.get(0).at("/before/name").stringValue()).isEqualTo(name);
        assertThat(entries.get(0).get("after").isNull()).isTrue();
    }

    @Test
    void auditsNoTeamChangeThatWasRefused() {
        String name = "refused team " + System.nanoTime();
        String id = GatewayClient.json(client.admin("POST", "/admin/api/teams", "{\"name\":\"" + name + "\"}"))
                .get("id").stringValue();
        client.createKey("{\"name\":\"keeps the team busy\",\"teamId\":\"" + id + "\"}");

        assertThat(client.admin("DELETE", "/admin/api/teams/" + id, null).statusCode()).isEqualTo(409);
        assertThat(client.admin("PATCH", "/admin/api/teams/" + id, "{\"limits\":{\"tokensPerDay\":-1}}")
                .statusCode()).isEqualTo(400);

        var entries = forTarget(GatewayClient.json(client.admin("GET", "/admin/api/audit?limit=1000", null)), id);
        assertThat(entries).extracting(e -> e.get("action").stringValue()).containsExactly("team.create");
    }

    @Test
    void recordsAccountAndTokenChangesWithoutPasswordsOrTokens() {
        var account = AdminIdentities.account(client, "viewer");
        client.admin("PATCH", "/admin/api/accounts/" + account.id(), "{\"password\":\"another long password\"}");
        String token = GatewayClient.json(client.admin("POST", "/admin/api/tokens",
                "{\"name\":\"audit me\",\"accountId\":\"" + account.id() + "\"}")).get("token").stringValue();

        var audit = client.admin("GET", "/admin/api/audit?limit=1000", null);
        var actions = forTarget(GatewayClient.json(audit), account.id()).stream()
                .map(e -> e.get("action").stringValue() + " by " + e.get("actor").stringValue()).toList();

        assertThat(actions).containsExactly("account.update-password by bootstrap-token",
                "account.create by bootstrap-token");
        assertThat(audit.body()).contains("token.create").doesNotContain(token.substring(12))
                .doesNotContain("another long password").doesNotContain(AdminIdentities.PASSWORD);
    }

    @Test
    void verifiesTheChainAndFindsARowEditedInTheDatabase() {
        client.createKey("{\"name\":\"before tampering\"}");
        client.createKey("{\"name\":\"after tampering\"}");
        var ok = GatewayClient.json(client.admin("GET", "/admin/api/audit/verify", null));
        assertThat(ok.get("valid").booleanValue()).isTrue();
        assertThat(ok.get("checked").longValue()).isGreaterThanOrEqualTo(2);

        long seq = jdbc.queryForObject("select max(seq) from audit_event where after_json like '%before tampering%'",
                Long.class);
        String original = jdbc.queryForObject("select actor from audit_event where seq = ?", String.class, seq);
        try {
            jdbc.update("update audit_event set actor = 'someone else' where seq = ?", seq);

            var broken = GatewayClient.json(client.admin("GET", "/admin/api/audit/verify", null));

            assertThat(broken.get("valid").booleanValue()).isFalse();
            assertThat(broken.get("firstBrokenSeq").longValue()).isEqualTo(seq);
        } finally {
            jdbc.update("update audit_event set actor = ? where seq = ?", original, seq);
        }
        assertThat(GatewayClient.json(client.admin("GET", "/admin/api/audit/verify", null)).get("valid")
                .booleanValue()).isTrue();
    }

    @Test
    void findsADeletedRowFromTheNextOnesLink() {
        client.createKey("{\"name\":\"to be deleted from the audit\"}");
        client.createKey("{\"name\":\"its successor\"}");
        long seq = jdbc.queryForObject(
                "select max(seq) from audit_event where after_json like '%to be deleted from the audit%'", Long.class);
        var row = jdbc.queryForMap("select * from audit_event where seq = ?", seq);
        try {
            jdbc.update("delete from audit_event where seq = ?", seq);

            var broken = GatewayClient.json(client.admin("GET", "/admin/api/audit/verify", null));

            assertThat(broken.get("valid").booleanValue()).isFalse();
            assertThat(broken.get("firstBrokenSeq").longValue()).isGreaterThan(seq);
        } finally {
            jdbc.update("insert into audit_event (seq, id, at, actor, action, target_type, target_id, before_json,"
                    + " after_json, prev_hash, hash, chain_version) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row.get("seq"), row.get("id"), row.get("at"), row.get("actor"), row.get("action"),
                    row.get("target_type"), row.get("target_id"), row.get("before_json"), row.get("after_json"),
                    row.get("prev_hash"), row.get("hash"), row.get("chain_version"));
        }
    }

    @Test
    void listsOnlyEntriesInTheAskedRange() {
        var empty = GatewayClient.json(client.admin("GET", "/admin/api/audit?from=2001-01-01&to=2001-01-31", null));
        assertThat(empty.get("data")).isEmpty();
        var bad = client.admin("GET", "/admin/api/audit?from=yesterday", null);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(GatewayClient.json(bad).at("/error/param").stringValue()).isEqualTo("from");
    }

    @Test
    void aRowRewrittenWithEveryLaterLinkRecomputedWithoutTheKeyFailsVerificationAtThatRow() throws Exception {
        client.createKey("{\"name\":\"rewritten later\"}");
        client.createKey("{\"name\":\"follows the rewritten one\"}");
        long seq = jdbc.queryForObject("select max(seq) from audit_event where after_json like '%rewritten later%'",
                Long.class);

        for (int claimedVersion : new int[] {2, 1}) { // as keyed, then passed off as written before the key
            var saved = jdbc.queryForList("select seq, actor, prev_hash, hash, chain_version from audit_event"
                    + " where seq >= ? order by seq", seq);
            try {
                jdbc.update("update audit_event set actor = 'someone else' where seq = ?", seq);
                rechainWithPlainSha256(seq, claimedVersion);

                var broken = GatewayClient.json(client.admin("GET", "/admin/api/audit/verify", null));

                assertThat(broken.get("valid").booleanValue()).as("claimed version %d", claimedVersion).isFalse();
                assertThat(broken.get("firstBrokenSeq").longValue()).isEqualTo(seq);
            } finally {
                for (var row : saved) {
                    jdbc.update("update audit_event set actor = ?, prev_hash = ?, hash = ?, chain_version = ?"
                            + " where seq = ?", row.get("actor"), row.get("prev_hash"), row.get("hash"),
                            row.get("chain_version"), row.get("seq"));
                }
            }
        }
        assertThat(GatewayClient.json(client.admin("GET", "/admin/api/audit/verify", null)).get("valid")
                .booleanValue()).isTrue();
    }

    @Test
    void anAnchoredHeadRevealsDroppedNewestEntriesThatTheChainAloneCannotShow() {
        client.createKey("{\"name\":\"anchored\"}");
        var head = GatewayClient.json(client.admin("GET", "/admin/api/audit/head", null));
        long anchored = head.get("seq").longValue();
        String hash = head.get("hash").stringValue();
        var dropped = jdbc.queryForList("select * from audit_event where seq >= ? order by seq", anchored);
        try {
            jdbc.update("delete from audit_event where seq >= ?", anchored);

            var alone = GatewayClient.json(client.admin("GET", "/admin/api/audit/verify", null));
            var anchoredCheck = GatewayClient.json(client.admin("GET",
                    "/admin/api/audit/verify?anchorSeq=" + anchored + "&anchorHash=" + hash, null));

            assertThat(alone.get("valid").booleanValue()).isTrue();
            assertThat(anchoredCheck.get("valid").booleanValue()).isFalse();
            assertThat(anchoredCheck.get("firstBrokenSeq").longValue()).isEqualTo(anchored);
        } finally {
            for (var row : dropped) {
                jdbc.update("insert into audit_event (seq, id, at, actor, action, target_type, target_id, before_json,"
                        + " after_json, prev_hash, hash, chain_version) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        row.get("seq"), row.get("id"), row.get("at"), row.get("actor"), row.get("action"),
                        row.get("target_type"), row.get("target_id"), row.get("before_json"), row.get("after_json"),
                        row.get("prev_hash"), row.get("hash"), row.get("chain_version"));
            }
        }
        var intact = GatewayClient.json(client.admin("GET",
                "/admin/api/audit/verify?anchorSeq=" + anchored + "&anchorHash=" + hash, null));
        assertThat(intact.get("valid").booleanValue()).isTrue();
        assertThat(client.admin("GET", "/admin/api/audit/verify?anchorSeq=1&anchorHash=xyz", null).statusCode())
                .isEqualTo(400);
    }

    @Test
    void publishesTheHeadAsAGaugeAndInTheLog(CapturedOutput output) {
        client.createKey("{\"name\":\"moves the head\"}");
        var head = GatewayClient.json(client.admin("GET", "/admin/api/audit/head", null));
        long seq = head.get("seq").longValue();

        assertThat(output.getAll()).contains("Audit head: seq " + seq + " hash " + head.get("hash").stringValue());
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                client.get("/actuator/prometheus", null).body()).containsPattern(
                        "(?m)^portcullis_audit_head_seq(\\{[^}]*\\})? " + seq + "(\\.0)?$"));
    }

    @Test
    void recordsSignInsLockOutsRollupRebuildsAndAdminTokenCreation() {
        var account = AdminIdentities.account(client, "viewer");
        assertThat(ConsoleSession.succeeded(new ConsoleSession(client).login(account.username(),
                AdminIdentities.PASSWORD))).isTrue();
        for (int i = 0; i < SignInThrottle.FREE_FAILURES; i++) {
            new ConsoleSession(client).login(account.username(), "not the password " + i);
        }
        assertThat(client.admin("POST", "/admin/api/usage/rollups/rebuild?from=2026-01-01&to=2026-01-02", null)
                .statusCode()).isEqualTo(200);
        String tokenId = GatewayClient.json(client.admin("POST", "/admin/api/tokens",
                "{\"name\":\"audited token\",\"accountId\":\"" + account.id() + "\"}")).get("id").stringValue();

        var page = GatewayClient.json(client.admin("GET", "/admin/api/audit?limit=1000", null));
        var actions = forTarget(page, account.id()).stream().map(e -> e.get("action").stringValue()).toList();

        assertThat(actions).containsSubsequence("account.lock", "sign-in.failed", "sign-in", "account.create");
        assertThat(forTarget(page, account.id())).filteredOn(e -> e.get("action").stringValue().startsWith("sign-in"))
                .allSatisfy(e -> assertThat(e.at("/after/address").stringValue()).isEqualTo("127.0.0.1"));
        assertThat(forTarget(page, tokenId)).extracting(e -> e.get("action").stringValue())
                .containsExactly("token.create");
        var rebuild = new ArrayList<JsonNode>();
        page.get("data").forEach(e -> {
            if (e.get("action").stringValue().equals("usage.rollups.rebuild")) {
                rebuild.add(e);
            }
        });
        assertThat(rebuild).first().satisfies(e -> {
            assertThat(e.get("actor").stringValue()).isEqualTo("bootstrap-token");
            assertThat(e.at("/after/from").stringValue()).startsWith("2026-01-01");
        });
    }

    /** What someone who can write the table but lacks the key would do: relink with the public algorithm. */
    private void rechainWithPlainSha256(long fromSeq, int claimedVersion) throws Exception {
        byte[] prev = jdbc.queryForObject("select prev_hash from audit_event where seq = ?", byte[].class, fromSeq);
        for (Map<String, Object> row : jdbc.queryForList("select * from audit_event where seq >= ? order by seq",
                fromSeq)) {
            var canonical = new ByteArrayOutputStream();
            canonical.writeBytes(prev);
            canonical.writeBytes(ByteBuffer.allocate(8).putLong((Long) row.get("seq")).array());
            for (Object field : new Object[] {row.get("id"),
                    ((java.sql.Timestamp) row.get("at")).toInstant(), row.get("actor"), row.get("action"),
                    row.get("target_type"), row.get("target_id"), row.get("before_json"), row.get("after_json")}) {
                if (field == null) {
                    canonical.writeBytes(ByteBuffer.allocate(4).putInt(-1).array());
                } else {
                    byte[] bytes = field.toString().getBytes(StandardCharsets.UTF_8);
                    canonical.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
                    canonical.writeBytes(bytes);
                }
            }
            byte[] link = MessageDigest.getInstance("SHA-256").digest(canonical.toByteArray());
            jdbc.update("update audit_event set prev_hash = ?, hash = ?, chain_version = ? where seq = ?", prev, link,
                    claimedVersion, row.get("seq"));
            prev = link;
        }
        assertThat(HexFormat.of().formatHex(prev)).hasSize(64);
    }

    private static List<JsonNode> forTarget(JsonNode page, String targetId) {
        var matching = new ArrayList<JsonNode>();
        page.get("data").forEach(e -> {
            if (targetId.equals(e.get("targetId").stringValue())) {
                matching.add(e);
            }
        });
        return matching;
    }
}
