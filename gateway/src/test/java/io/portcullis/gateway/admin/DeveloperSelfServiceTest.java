package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The developer role as a hostile developer would use it: their own keys in their own teams,
 * within the team's {@code developerKeyLimits}, and nothing of anyone else's. Each refusal is
 * checked in the answer and in the database (no key row appears).
 */
class DeveloperSelfServiceTest extends GatewayIntegrationTest {

    static final String BOUND = """
            {"limits":{"requestsPerMinute":100,"tokensPerDay":50000,"spendPerMonthUsd":"5"},
             "models":["fake-chat","fake-embed"],"policy":{"modalities":["text"],"denyPatterns":["(?i)payroll"]},
             "maxKeysPerDeveloper":3}""";

    /** A developer with a personal token, belonging to the given teams. */
    record Developer(String id, String username, String token) {
        HttpResponse<String> call(GatewayClient client, String method, String path, String json) {
            return AdminIdentities.call(client, method, path, token, json);
        }
    }

    String team(String bound) {
        var created = client.admin("POST", "/admin/api/teams", "{\"name\":\"dev team " + System.nanoTime() + "\""
                + (bound == null ? "" : ",\"developerKeyLimits\":" + bound) + "}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return GatewayClient.json(created).get("id").stringValue();
    }

    Developer developer(String... teamIds) {
        String username = "dev-" + Long.toString(System.nanoTime(), 36);
        var teams = teamIds.length == 0 ? "[]" : "[\"" + String.join("\",\"", teamIds) + "\"]";
        var created = client.admin("POST", "/admin/api/accounts", "{\"username\":\"" + username + "\",\"password\":\""
                + AdminIdentities.PASSWORD + "\",\"role\":\"developer\",\"teamIds\":" + teams + "}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = GatewayClient.json(created).get("id").stringValue();
        var token = client.admin("POST", "/admin/api/tokens", "{\"name\":\"laptop\",\"accountId\":\"" + id + "\"}");
        assertThat(token.statusCode()).isEqualTo(201);
        return new Developer(id, username, GatewayClient.json(token).get("token").stringValue());
    }

    JsonNode createKey(Developer dev, String json) {
        var created = dev.call(client, "POST", "/admin/api/me/keys", json);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return GatewayClient.json(created);
    }

    int keysNamed(String name) {
        Integer n = jdbc.queryForObject("select count(*) from api_key where name = ?", Integer.class, name);
        return n == null ? 0 : n;
    }

    static void refused(HttpResponse<String> answer, int status, String code, String param) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        var error = GatewayClient.json(answer).get("error");
        assertThat(error.get("code").stringValue()).isEqualTo(code);
        if (param != null) {
            assertThat(error.get("param").stringValue()).isEqualTo(param);
        }
    }

    @Test
    void createsAWorkingKeyInTheirTeamFilledFromTheBoundAndAuditedUnderTheirName() {
        String team = team(BOUND);
        var dev = developer(team);

        var key = createKey(dev, "{\"name\":\"my laptop\",\"teamId\":\"" + team + "\",\"limits\":{\"tokensPerDay\":null}}");

        assertThat(key.get("key").stringValue()).startsWith("gw-");
        assertThat(key.at("/limits/tokensPerDay").longValue()).as("null is filled in, not unlimited").isEqualTo(50000);
        assertThat(key.at("/limits/requestsPerMinute").longValue()).isEqualTo(100);
        assertThat(key.at("/limits/spendPerMonthUsd").stringValue()).isEqualTo("5.000000");
        assertThat(key.get("models").toString()).isEqualTo("[\"fake-chat\",\"fake-embed\"]");
        assertThat(key.at("/policy/modalities").toString()).isEqualTo("[\"text\"]");
        assertThat(key.at("/policy/denyPatterns").toString()).contains("payroll");
        assertThat(client.post("/v1/chat/completions", key.get("key").stringValue(), GatewayClient.chat("fake-chat"))
                .statusCode()).isEqualTo(200);
        assertThat(jdbc.queryForObject("select actor from audit_event where action = 'key.create' and target_id = ?",
                String.class, key.get("id").stringValue())).isEqualTo(dev.username() + " (token laptop)");
        assertThat(jdbc.queryForObject("select owner from developer_key where key_id = ?::uuid", String.class,
                key.get("id").stringValue())).isEqualTo("account:" + dev.id());
    }

    @Test
    void refusesLimitsModelsAndModalitiesWiderThanTheBoundAndCreatesNothing() {
        String team = team(BOUND);
        var dev = developer(team);
        String name = "too wide " + System.nanoTime();
        String start = "{\"name\":\"" + name + "\",\"teamId\":\"" + team + "\",";

        refused(dev.call(client, "POST", "/admin/api/me/keys", start + "\"limits\":{\"tokensPerDay\":50001}}"), 403,
                "exceeds_developer_key_limits", "limits.tokensPerDay");
        refused(dev.call(client, "POST", "/admin/api/me/keys", start + "\"limits\":{\"spendPerMonthUsd\":\"5.000001\"}}"),
                403, "exceeds_developer_key_limits", "limits.spendPerMonthUsd");
        refused(dev.call(client, "POST", "/admin/api/me/keys", start + "\"models\":[\"fake-chat\",\"gpt-4o\"]}"), 403,
                "exceeds_developer_key_limits", "models");
        refused(dev.call(client, "POST", "/admin/api/me/keys", start + "\"policy\":{\"modalities\":[\"text\",\"image\"]}}"),
                403, "exceeds_developer_key_limits", "policy.modalities");
        refused(dev.call(client, "POST", "/admin/api/me/keys", start + "\"policy\":{\"hostedTools\":[\"web_search\"]}}"),
                403, "exceeds_developer_key_limits", "policy.hostedTools");
        assertThat(keysNamed(name)).isZero();
    }

    @Test
    void refusesHugeAndMalformedNumbersAsBadRequests() {
        String team = team(BOUND);
        var dev = developer(team);
        String name = "huge " + System.nanoTime();
        String start = "{\"name\":\"" + name + "\",\"teamId\":\"" + team + "\",\"limits\":";
        for (String value : new String[] {"1e30", "99999999999999999999999", "-1", "0", "1.5", "\"100\""}) {
            refused(dev.call(client, "POST", "/admin/api/me/keys", start + "{\"tokensPerDay\":" + value + "}}"), 400,
                    "invalid_request_error", "limits.tokensPerDay");
        }
        refused(dev.call(client, "POST", "/admin/api/me/keys", start + "{\"spendPerMonthUsd\":\"1e400\"}}"), 400,
                "invalid_request_error", "limits.spendPerMonthUsd");
        refused(dev.call(client, "POST", "/admin/api/me/keys", "{\"name\":\"" + name + "\",\"teamId\":\"" + team
                + "\",\"owner\":\"account:someone-else\"}"), 400, "invalid_request_error", "owner");
        assertThat(keysNamed(name)).isZero();
    }

    @Test
    void aPolicyWithoutModalitiesGetsTheBoundsAndTheKeyCannotSendImages() {
        String team = team(BOUND);
        var dev = developer(team);
        var key = createKey(dev, "{\"name\":\"no modalities\",\"teamId\":\"" + team
                + "\",\"policy\":{\"allowedCidrs\":[]}}");

        assertThat(key.at("/policy/modalities").toString()).isEqualTo("[\"text\"]");
        String image = """
                {"model":"fake-chat","messages":[{"role":"user","content":[{"type":"image_url",
                 "image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}""";
        assertThat(client.post("/v1/chat/completions", key.get("key").stringValue(), image).statusCode()).isEqualTo(403);

        var nulls = createKey(dev, "{\"name\":\"all null\",\"teamId\":\"" + team
                + "\",\"limits\":null,\"policy\":null,\"models\":null}");
        assertThat(nulls.at("/limits/tokensPerDay").longValue()).isEqualTo(50000);
        assertThat(nulls.at("/policy/modalities").toString()).isEqualTo("[\"text\"]");
        assertThat(nulls.get("models").toString()).isEqualTo("[\"fake-chat\",\"fake-embed\"]");
    }

    @Test
    void refusesATeamTheyDoNotBelongToWhetherItExistsOrNot() {
        String mine = team(BOUND);
        String theirs = team(BOUND);
        var dev = developer(mine);
        String name = "elsewhere " + System.nanoTime();

        for (String team : new String[] {theirs, "00000000-0000-0000-0000-00000000abcd"}) {
            refused(dev.call(client, "POST", "/admin/api/me/keys", "{\"name\":\"" + name + "\",\"teamId\":\"" + team
                    + "\"}"), 403, "not_a_member", "teamId");
        }
        refused(dev.call(client, "POST", "/admin/api/me/keys", "{\"name\":\"" + name + "\"}"), 400,
                "invalid_request_error", "teamId");
        assertThat(keysNamed(name)).isZero();
        var teams = GatewayClient.json(dev.call(client, "GET", "/admin/api/me/teams", null)).get("data");
        assertThat(teams).hasSize(1);
        assertThat(teams.get(0).get("id").stringValue()).isEqualTo(mine);
        assertThat(teams.get(0).has("limits")).as("nothing of the team beyond the developer bound").isFalse();
    }

    @Test
    void aTeamWithoutDeveloperKeyLimitsLetsNoDeveloperCreateKeys() {
        String team = team(null);
        var dev = developer(team);

        refused(dev.call(client, "POST", "/admin/api/me/keys", "{\"name\":\"closed\",\"teamId\":\"" + team + "\"}"),
                403, "no_developer_key_limits", "teamId");

        client.admin("PATCH", "/admin/api/teams/" + team, "{\"developerKeyLimits\":{\"models\":[\"fake-chat\"]}}");
        createKey(dev, "{\"name\":\"opened\",\"teamId\":\"" + team + "\"}");
        client.admin("PATCH", "/admin/api/teams/" + team, "{\"developerKeyLimits\":null}");
        refused(dev.call(client, "POST", "/admin/api/me/keys", "{\"name\":\"closed again\",\"teamId\":\"" + team
                + "\"}"), 403, "no_developer_key_limits", "teamId");
    }

    @Test
    void anotherDevelopersKeyAndAnAdminsKeyAreNoSuchKeyForListRotateRevokeAndUsage() {
        String team = team(BOUND);
        var alice = developer(team);
        var mallory = developer(team);
        var aliceKey = createKey(alice, "{\"name\":\"alice's\",\"teamId\":\"" + team + "\"}");
        var adminKey = client.createKey("{\"name\":\"admin's\",\"teamId\":\"" + team + "\"}");

        for (String id : new String[] {aliceKey.get("id").stringValue(), adminKey.id()}) {
            refused(mallory.call(client, "POST", "/admin/api/me/keys/" + id + "/rotate", null), 404, "not_found", null);
            refused(mallory.call(client, "DELETE", "/admin/api/me/keys/" + id, null), 404, "not_found", null);
            refused(mallory.call(client, "GET", "/admin/api/me/usage?keyId=" + id, null), 404, "not_found", null);
            refused(mallory.call(client, "GET", "/admin/api/keys/" + id, null), 403, "forbidden", null);
            refused(mallory.call(client, "DELETE", "/admin/api/keys/" + id, null), 403, "forbidden", null);
        }
        assertThat(GatewayClient.json(mallory.call(client, "GET", "/admin/api/me/keys", null)).get("data")).isEmpty();
        assertThat(client.post("/v1/chat/completions", aliceKey.get("key").stringValue(),
                GatewayClient.chat("fake-chat")).statusCode()).as("alice's key untouched").isEqualTo(200);
        var usage = GatewayClient.json(mallory.call(client, "GET", "/admin/api/me/usage", null));
        assertThat(usage.get("keys")).isEmpty();
    }

    @Test
    void rotatesAndRevokesTheirOwnKeyAndTheOldSecretStopsWorking() {
        String team = team(BOUND);
        var dev = developer(team);
        var key = createKey(dev, "{\"name\":\"rotating\",\"teamId\":\"" + team + "\"}");
        String id = key.get("id").stringValue();

        var rotated = dev.call(client, "POST", "/admin/api/me/keys/" + id + "/rotate", null);
        assertThat(rotated.statusCode()).isEqualTo(200);
        String secret = GatewayClient.json(rotated).get("key").stringValue();
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> client.post("/v1/chat/completions",
                key.get("key").stringValue(), GatewayClient.chat("fake-chat")).statusCode() == 401);
        assertThat(client.post("/v1/chat/completions", secret, GatewayClient.chat("fake-chat")).statusCode())
                .isEqualTo(200);

        assertThat(dev.call(client, "DELETE", "/admin/api/me/keys/" + id, null).statusCode()).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> client.post("/v1/chat/completions", secret,
                GatewayClient.chat("fake-chat")).statusCode() == 401);
        assertThat(jdbc.queryForList("select action from audit_event where target_id = ? order by seq", String.class,
                id)).containsExactly("key.create", "key.rotate", "key.revoke");
    }

    @Test
    void aDeveloperRemovedFromTheTeamMayRevokeButNotRotate() {
        String team = team(BOUND);
        var dev = developer(team);
        var key = createKey(dev, "{\"name\":\"left behind\",\"teamId\":\"" + team + "\"}");
        String id = key.get("id").stringValue();
        assertThat(client.admin("PATCH", "/admin/api/accounts/" + dev.id(), "{\"teamIds\":[]}").statusCode())
                .isEqualTo(200);

        refused(dev.call(client, "POST", "/admin/api/me/keys/" + id + "/rotate", null), 403, "not_a_member", null);
        assertThat(dev.call(client, "DELETE", "/admin/api/me/keys/" + id, null).statusCode()).isEqualTo(200);
    }

    @Test
    void holdsADeveloperToTheTeamsMostKeysEvenWhenAskingInParallel() throws Exception {
        String team = team(BOUND); // maxKeysPerDeveloper 3
        var dev = developer(team);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            var answers = new java.util.ArrayList<java.util.concurrent.Future<HttpResponse<String>>>();
            for (int i = 0; i < 6; i++) {
                answers.add(pool.submit(() -> dev.call(client, "POST", "/admin/api/me/keys",
                        "{\"name\":\"many\",\"teamId\":\"" + team + "\"}")));
            }
            int created = 0;
            for (var answer : answers) {
                var response = answer.get();
                if (response.statusCode() == 201) {
                    created++;
                } else {
                    refused(response, 409, "developer_key_limit_reached", null);
                }
            }
            assertThat(created).isEqualTo(3);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void showsUsagePerKeyAndModelAgainstTheTeamsBudget() {
        String team = team(BOUND);
        client.admin("PATCH", "/admin/api/teams/" + team, "{\"limits\":{\"tokensPerMonth\":1000000}}");
        var dev = developer(team);
        var key = createKey(dev, "{\"name\":\"metered\",\"teamId\":\"" + team + "\"}");
        String id = key.get("id").stringValue();
        for (int i = 0; i < 2; i++) {
            assertThat(client.post("/v1/chat/completions", key.get("key").stringValue(),
                    GatewayClient.chat("fake-chat")).statusCode()).isEqualTo(200);
        }
        awaitUsageRows(id, 2);

        var usage = GatewayClient.json(dev.call(client, "GET", "/admin/api/me/usage?keyId=" + id, null));

        assertThat(usage.get("keys")).hasSize(1);
        var mine = usage.get("keys").get(0);
        assertThat(mine.get("keyId").stringValue()).isEqualTo(id);
        assertThat(mine.get("requests").longValue()).isEqualTo(2);
        assertThat(mine.at("/models/0/model").stringValue()).isEqualTo("fake-chat");
        assertThat(mine.at("/models/0/requests").longValue()).isEqualTo(2);
        var budget = usage.get("teams").get(0);
        assertThat(budget.get("teamId").stringValue()).isEqualTo(team);
        assertThat(budget.get("tokensPerMonth").longValue()).isEqualTo(1000000);
        assertThat(budget.get("tokensThisMonth").longValue())
                .isEqualTo(mine.get("promptTokens").longValue() + mine.get("completionTokens").longValue())
                .isPositive();
        refused(dev.call(client, "GET", "/admin/api/me/usage?keyId=not-a-uuid", null), 404, "not_found", null);
    }

    @Test
    void refusesAMalformedDeveloperBoundOnATeamNamingTheField() {
        String name = "bad bound " + System.nanoTime();
        String start = "{\"name\":\"" + name + "\",\"developerKeyLimits\":";
        refused(client.admin("POST", "/admin/api/teams", start + "[]}"), 400, "invalid_request_error",
                "developerKeyLimits");
        refused(client.admin("POST", "/admin/api/teams", start + "{\"owner\":1}}"), 400, "invalid_request_error",
                "developerKeyLimits.owner");
        refused(client.admin("POST", "/admin/api/teams", start + "{\"maxKeysPerDeveloper\":0}}"), 400,
                "invalid_request_error", "developerKeyLimits.maxKeysPerDeveloper");
        refused(client.admin("POST", "/admin/api/teams", start + "{\"limits\":{\"tokensPerDay\":1e30}}}"), 400,
                "invalid_request_error", "developerKeyLimits.limits.tokensPerDay");
        refused(client.admin("POST", "/admin/api/teams", start + "{\"policy\":{\"allowedCidrs\":[\"10.0.0.0/33\"]}}}"),
                400, "invalid_request_error", "developerKeyLimits.policy.allowedCidrs");
        assertThat(jdbc.queryForObject("select count(*) from team where name = ?", Integer.class, name)).isZero();
    }

    @Test
    void aStoredBoundThatNoLongerReadsLetsNoDeveloperCreateKeys() {
        String team = team(BOUND);
        var dev = developer(team);
        jdbc.update("update team_developer_key_limits set bounds = '{\"limits\":{\"tokensPerDay\":-5}}'"
                + " where team_id = ?::uuid", team);

        refused(dev.call(client, "POST", "/admin/api/me/keys", "{\"name\":\"on a broken bound\",\"teamId\":\"" + team
                + "\"}"), 403, "no_developer_key_limits", "teamId");
        assertThat(GatewayClient.json(client.admin("GET", "/admin/api/teams/" + team, null)).get("developerKeyLimits")
                .isNull()).isTrue();
    }

    @Test
    void teamIdsAreOnlyForDevelopersAndOnlyExistingTeams() {
        String team = team(BOUND);
        String base = "{\"username\":\"dev-" + Long.toString(System.nanoTime(), 36) + "\",\"password\":\""
                + AdminIdentities.PASSWORD + "\",";
        refused(client.admin("POST", "/admin/api/accounts", base + "\"role\":\"viewer\",\"teamIds\":[\"" + team
                + "\"]}"), 400, "invalid_request_error", "teamIds");
        refused(client.admin("POST", "/admin/api/accounts", base + "\"role\":\"developer\",\"teamIds\":"
                + "[\"00000000-0000-0000-0000-00000000abcd\"]}"), 400, "invalid_request_error", "teamIds");
        refused(client.admin("POST", "/admin/api/accounts", base + "\"role\":\"developer\",\"teamIds\":[\"x\"]}"), 400,
                "invalid_request_error", "teamIds");
    }

    @Test
    void aDeletedTeamDropsOutOfItsDevelopersTeams() {
        String team = team(BOUND);
        String other = team(BOUND);
        var dev = developer(team, other);

        assertThat(client.admin("DELETE", "/admin/api/teams/" + team, null).statusCode()).isEqualTo(204);

        var account = GatewayClient.json(client.admin("GET", "/admin/api/accounts", null)).get("data").valueStream()
                .filter(a -> a.get("id").stringValue().equals(dev.id())).findFirst().orElseThrow();
        assertThat(account.get("teamIds").toString()).isEqualTo("[\"" + other + "\"]");
        refused(dev.call(client, "POST", "/admin/api/me/keys", "{\"name\":\"gone\",\"teamId\":\"" + team + "\"}"),
                403, "not_a_member", "teamId");
    }

    @Test
    void aDevelopersConsoleSessionIsRefusedTheStaffApi() {
        String team = team(BOUND);
        var dev = developer(team);
        var session = new ConsoleSession(client);
        assertThat(ConsoleSession.succeeded(session.login(dev.username(), AdminIdentities.PASSWORD))).isTrue();

        for (String path : new String[] {"/admin/api/keys", "/admin/api/teams", "/admin/api/usage", "/admin/api/audit",
                "/admin/api/backends", "/admin/api/accounts", "/admin/api/requests", "/admin/api/openapi.json"}) {
            refused(session.api("GET", path, null), 403, "forbidden", null);
        }
        refused(session.api("POST", "/admin/api/keys", "{\"name\":\"sneaky\",\"teamId\":\"" + team + "\"}"), 403,
                "forbidden", null);
        refused(session.api("PATCH", "/admin/api/teams/" + team, "{\"developerKeyLimits\":null}"), 403, "forbidden",
                null);
        assertThat(session.api("POST", "/admin/api/me/keys", "{\"name\":\"from console\",\"teamId\":\"" + team + "\"}")
                .statusCode()).isEqualTo(201);
    }
}
