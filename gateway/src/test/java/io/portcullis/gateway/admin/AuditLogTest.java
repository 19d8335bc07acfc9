package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

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
                    + " after_json, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row.get("seq"),
                    row.get("id"), row.get("at"), row.get("actor"), row.get("action"), row.get("target_type"),
                    row.get("target_id"), row.get("before_json"), row.get("after_json"), row.get("prev_hash"),
                    row.get("hash"));
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
