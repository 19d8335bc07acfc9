package io.portcullis.gateway.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code /admin/api/alerts/webhooks} and {@code alertAt}, as an admin and as a hostile client would use them. */
class AlertWebhooksAdminTest extends GatewayIntegrationTest {

    private static final String HOOK = "http://127.0.0.1:9/hooks/a";

    /** Webhooks made here point nowhere: they must not stay subscribed to other tests' events. */
    @org.junit.jupiter.api.AfterEach
    void deleteWebhooksPointingNowhere() {
        jdbc.update("delete from alert_webhook where url like 'http://127.0.0.1:9/%'");
    }

    private JsonNode created(String body) {
        var response = client.admin("POST", "/admin/api/alerts/webhooks", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return GatewayClient.json(response);
    }

    private void refused(String method, String path, String body, String param) {
        var response = client.admin(method, path, body);
        assertThat(response.statusCode()).as("%s → %s", body, response.body()).isEqualTo(400);
        JsonNode error = GatewayClient.json(response).get("error");
        assertThat(error.get("type").stringValue()).isEqualTo("invalid_request_error");
        if (param != null) {
            assertThat(error.get("param").stringValue()).isEqualTo(param);
        }
    }

    @Test
    void createsAWebhookShowingItsSecretOnceAndNeverInListsOrTheAudit() {
        JsonNode hook = created("{\"url\":\"" + HOOK + "\",\"events\":[\"budget.threshold\",\"key.expiring\"],"
                + "\"format\":\"slack\"}");
        String secret = hook.get("secret").stringValue();
        assertThat(secret).startsWith("whsec_").hasSizeGreaterThan(40);
        assertThat(hook.get("format").stringValue()).isEqualTo("slack");

        var list = client.admin("GET", "/admin/api/alerts/webhooks", null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains(hook.get("id").stringValue()).doesNotContain(secret);
        String stored = jdbc.queryForObject("select encode(secret_sealed, 'escape') from alert_webhook where id = ?::uuid",
                String.class, hook.get("id").stringValue());
        assertThat(stored).doesNotContain(secret);
        String audit = jdbc.queryForObject("select string_agg(coalesce(after_json, ''), ' ') from audit_event"
                + " where action = 'alert.webhook.create' and target_id = ?", String.class, hook.get("id").stringValue());
        assertThat(audit).contains("127.0.0.1:9/…").doesNotContain(secret).doesNotContain("/hooks/a");
    }

    @Test
    void deletingAWebhookIsAuditedAndASecondDeleteIsNotFound() {
        String id = created("{\"url\":\"" + HOOK + "\",\"events\":[\"budget.exhausted\"]}").get("id").stringValue();
        assertThat(client.admin("DELETE", "/admin/api/alerts/webhooks/" + id, null).statusCode()).isEqualTo(204);
        assertThat(client.admin("DELETE", "/admin/api/alerts/webhooks/" + id, null).statusCode()).isEqualTo(404);
        assertThat(client.admin("DELETE", "/admin/api/alerts/webhooks/not-a-uuid", null).statusCode()).isEqualTo(404);
        Integer audited = jdbc.queryForObject("select count(*) from audit_event where action = 'alert.webhook.delete'"
                + " and target_id = ?", Integer.class, id);
        assertThat(audited).isEqualTo(1);
    }

    @Test
    void refusesAWebhookToAHostOutsideTheAllowedHosts() {
        refused("POST", "/admin/api/alerts/webhooks", "{\"url\":\"http://10.9.9.9/hook\",\"events\":[\"key.expiring\"]}",
                "url");
        refused("POST", "/admin/api/alerts/webhooks", "{\"url\":\"http://169.254.169.254/latest\","
                + "\"events\":[\"key.expiring\"]}", "url");
        assertThat(jdbc.queryForObject("select count(*) from alert_webhook where url like '%10.9.9.9%'"
                + " or url like '%169.254%'", Integer.class)).isZero();
    }

    @Test
    void refusesHostileWebhookBodies() {
        String path = "/admin/api/alerts/webhooks";
        refused("POST", path, "[]", null);
        refused("POST", path, "{\"events\":[\"key.expiring\"]}", "url");
        refused("POST", path, "{\"url\":42,\"events\":[\"key.expiring\"]}", "url");
        refused("POST", path, "{\"url\":\"ftp://127.0.0.1/x\",\"events\":[\"key.expiring\"]}", "url");
        refused("POST", path, "{\"url\":\"http://user:pw@127.0.0.1/x\",\"events\":[\"key.expiring\"]}", "url");
        refused("POST", path, "{\"url\":\"http://127.0.0.1/x?token=1\",\"events\":[\"key.expiring\"]}", "url");
        refused("POST", path, "{\"url\":\"http://127.0.0.1/\\u0000x\",\"events\":[\"key.expiring\"]}", "url");
        refused("POST", path, "{\"url\":\"http://127.0.0.1/\\u202ex\",\"events\":[\"key.expiring\"]}", "url");
        refused("POST", path, "{\"url\":\"" + HOOK + "\"}", "events");
        refused("POST", path, "{\"url\":\"" + HOOK + "\",\"events\":[]}", "events");
        refused("POST", path, "{\"url\":\"" + HOOK + "\",\"events\":\"key.expiring\"}", "events");
        refused("POST", path, "{\"url\":\"" + HOOK + "\",\"events\":[\"budget.*\"]}", "events");
        refused("POST", path, "{\"url\":\"" + HOOK + "\",\"events\":[7]}", "events");
        refused("POST", path, "{\"url\":\"" + HOOK + "\",\"events\":[" + "\"key.expiring\",".repeat(5000)
                + "\"key.expiring\"]}", "events");
        refused("POST", path, "{\"url\":\"" + HOOK + "\",\"events\":[\"key.expiring\"],\"format\":\"xml\"}", "format");
        refused("POST", path, "{\"url\":\"" + HOOK + "\",\"events\":[\"key.expiring\"],\"format\":1}", "format");
        refused("POST", path, "{\"url\":\"" + HOOK + "\",\"events\":[\"key.expiring\"],\"secret\":\"mine\"}", "secret");
        refused("POST", path, "{\"url\":\"http://127.0.0.1/" + "a".repeat(3000) + "\",\"events\":[\"key.expiring\"]}",
                "url");
    }

    @Test
    void refusesHostileDeliveryQueries() {
        for (String query : new String[] {"limit=0", "limit=201", "limit=abc", "limit=99999999999", "failures=maybe"}) {
            var response = client.admin("GET", "/admin/api/alerts/deliveries?" + query, null);
            assertThat(response.statusCode()).as(query).isEqualTo(400);
            assertThat(GatewayClient.json(response).get("error").get("type").stringValue())
                    .isEqualTo("invalid_request_error");
        }
    }

    @Test
    void viewersSeeWebhooksWithoutTheirPathAndCannotCreateThem() {
        created("{\"url\":\"" + HOOK + "/T000/B000/secretpart\",\"events\":[\"budget.threshold\"]}");
        String viewer = token("viewer");
        var list = as(viewer, "GET", "/admin/api/alerts/webhooks", null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("http://127.0.0.1:9/…").doesNotContain("secretpart");
        assertThat(as(viewer, "GET", "/admin/api/alerts/deliveries", null).statusCode()).isEqualTo(200);
        String operator = token("operator");
        assertThat(as(operator, "POST", "/admin/api/alerts/webhooks", "{\"url\":\"" + HOOK
                + "\",\"events\":[\"budget.threshold\"]}").statusCode()).isEqualTo(403);
    }

    @Test
    void alertAtIsStoredSortedWithoutRepeatsOnTeamsAndKeys() {
        var team = client.admin("POST", "/admin/api/teams", "{\"name\":\"alerting-" + System.nanoTime()
                + "\",\"alertAt\":[100,50,80,50]}");
        assertThat(team.statusCode()).as(team.body()).isEqualTo(201);
        String teamId = GatewayClient.json(team).get("id").stringValue();
        assertThat(GatewayClient.json(client.admin("GET", "/admin/api/teams/" + teamId, null)).get("alertAt").toString())
                .isEqualTo("[50,80,100]");
        var key = client.createKey("{\"name\":\"k\",\"alertAt\":[90,10]}");
        assertThat(key.created().get("alertAt").toString()).isEqualTo("[10,90]");
        var patched = client.admin("PATCH", "/admin/api/keys/" + key.id(), "{\"name\":\"renamed\"}");
        assertThat(GatewayClient.json(patched).get("alertAt").toString()).as("kept when absent").isEqualTo("[10,90]");
        patched = client.admin("PATCH", "/admin/api/keys/" + key.id(), "{\"alertAt\":null}");
        assertThat(GatewayClient.json(patched).get("alertAt").toString()).isEqualTo("[]");
        patched = client.admin("PATCH", "/admin/api/teams/" + teamId, "{\"alertAt\":[75]}");
        assertThat(GatewayClient.json(patched).get("alertAt").toString()).isEqualTo("[75]");
    }

    @Test
    void refusesHostileAlertAt() {
        var key = client.createKey();
        for (String bad : new String[] {"0", "[0]", "[101]", "[-5]", "[1.5]", "[80.0]", "[\"80\"]", "[true]", "[null]",
                "{\"a\":1}", "\"80\"", "[[80]]", "[1,2,3,4,5,6,7,8,9,10,11]", "[99999999999999999999]"}) {
            refused("PATCH", "/admin/api/keys/" + key.id(), "{\"alertAt\":" + bad + "}", "alertAt");
            refused("POST", "/admin/api/teams", "{\"name\":\"t-" + System.nanoTime() + "\",\"alertAt\":" + bad + "}",
                    "alertAt");
        }
        assertThat(GatewayClient.json(client.admin("GET", "/admin/api/keys/" + key.id(), null)).get("alertAt").toString())
                .isEqualTo("[]");
    }

    private String token(String role) {
        String username = role + "-" + Long.toString(System.nanoTime(), 36);
        var account = client.admin("POST", "/admin/api/accounts", "{\"username\":\"" + username
                + "\",\"password\":\"correct horse battery staple\",\"role\":\"" + role + "\"}");
        String accountId = GatewayClient.json(account).get("id").stringValue();
        var token = client.admin("POST", "/admin/api/tokens", "{\"name\":\"t\",\"accountId\":\"" + accountId + "\"}");
        return GatewayClient.json(token).get("token").stringValue();
    }

    private java.net.http.HttpResponse<String> as(String token, String method, String path, String body) {
        return client.send(HttpRequest.newBuilder(URI.create(client.base() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build());
    }
}
