package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class AdminKeysTest extends GatewayIntegrationTest {

    @Test
    void createsAKeyAndShowsItsSecretOnlyOnce() {
        var key = client.createKey("{\"name\":\"ci bot\",\"models\":[\"fake-chat\"],\"expiresAt\":\"2099-01-01T00:00:00Z\"}");

        assertThat(key.secret()).matches("gw-[0-9A-Za-z]{12}-[0-9A-Za-z]{32}");
        assertThat(key.created().get("prefix").stringValue()).isEqualTo(key.secret().substring(0, 15));
        assertThat(key.created().get("models").get(0).stringValue()).isEqualTo("fake-chat");

        var got = client.admin("GET", "/admin/api/keys/" + key.id(), null);
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).doesNotContain(key.secret().substring(16)).doesNotContain("\"key\"")
                .doesNotContain("secret").contains("\"status\":\"active\"").contains("2099-01-01T00:00:00Z");
        var list = client.admin("GET", "/admin/api/keys?limit=500", null);
        assertThat(list.body()).contains(key.id()).doesNotContain(key.secret().substring(16));
    }

    @Test
    void storesOnlyAKeyedHashOfTheSecret() {
        var key = client.createKey();
        String secretPart = key.secret().substring(16);
        Integer plaintextRows = jdbc.queryForObject(
                "select count(*) from api_key where encode(secret_hash, 'escape') like ? or name like ?",
                Integer.class, "%" + secretPart + "%", "%" + secretPart + "%");
        assertThat(plaintextRows).isZero();
        assertThat(jdbc.queryForObject("select length(secret_hash) from api_key where id = ?::uuid", Integer.class,
                key.id())).isEqualTo(32);
    }

    @Test
    void validatesCreationNamingTheBadField() {
        assertParam(client.admin("POST", "/admin/api/keys", "{}"), "name");
        assertParam(client.admin("POST", "/admin/api/keys", "{\"name\":42}"), "name");
        assertParam(client.admin("POST", "/admin/api/keys", "{\"name\":\"x\",\"models\":\"fake-chat\"}"), "models");
        assertParam(client.admin("POST", "/admin/api/keys", "{\"name\":\"x\",\"expiresAt\":\"tomorrow\"}"), "expiresAt");
        assertParam(client.admin("POST", "/admin/api/keys", "{\"name\":\"x\",\"expiresAt\":\"2001-01-01T00:00:00Z\"}"),
                "expiresAt");
        assertParam(client.admin("POST", "/admin/api/keys", "{\"name\":\"x\",\"limits\":{\"requestsPerMinute\":-1}}"),
                "limits.requestsPerMinute");
        assertParam(client.admin("POST", "/admin/api/keys", "{\"name\":\"x\",\"limits\":{\"tokensPerWeek\":5}}"),
                "limits.tokensPerWeek");
        assertParam(client.admin("POST", "/admin/api/keys", "{\"name\":\"x\",\"limits\":{\"spendPerMonthUsd\":\"1.0000001\"}}"),
                "limits.spendPerMonthUsd");
        assertParam(client.admin("POST", "/admin/api/keys", "{\"name\":\"x\",\"policy\":{\"modalities\":[\"smell\"]}}"),
                "policy.modalities");
        assertParam(client.admin("POST", "/admin/api/keys", "{\"name\":\"x\",\"policy\":{\"allowedCidrs\":[\"10.0.0.0/99\"]}}"),
                "policy.allowedCidrs");
        assertParam(client.admin("POST", "/admin/api/keys", "{\"name\":\"x\",\"policy\":{\"denyPatterns\":[\"(oops\"]}}"),
                "policy.denyPatterns");
        assertParam(client.admin("POST", "/admin/api/keys", "{\"name\":\"x\",\"teamId\":\"00000000-0000-0000-0000-000000000001\"}"),
                "teamId");
        var notJson = client.admin("POST", "/admin/api/keys", "{oops");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).contains("\"code\":\"invalid_request_error\"");
    }

    @Test
    void patchesNameModelsAndExpiryAndTheNewModelsApplyAtOnce() {
        var key = client.createKey("{\"name\":\"before\",\"models\":[\"fake-embed\"]}");
        assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode())
                .isEqualTo(403);

        var patched = client.admin("PATCH", "/admin/api/keys/" + key.id(),
                "{\"name\":\"after\",\"models\":[\"fake-chat\"],\"expiresAt\":\"2098-05-05T00:00:00Z\"}");

        assertThat(patched.statusCode()).isEqualTo(200);
        JsonNode body = GatewayClient.json(patched);
        assertThat(body.get("name").stringValue()).isEqualTo("after");
        assertThat(body.get("expiresAt").stringValue()).isEqualTo("2098-05-05T00:00:00Z");
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode() == 200);
    }

    @Test
    void rotationIssuesANewSecretAndTheOldOneStopsWorking() {
        var key = client.createKey();
        assertThat(client.get("/v1/models", key.secret()).statusCode()).isEqualTo(200);

        var rotated = client.admin("POST", "/admin/api/keys/" + key.id() + "/rotate", null);

        assertThat(rotated.statusCode()).isEqualTo(200);
        String newSecret = GatewayClient.json(rotated).get("key").stringValue();
        assertThat(newSecret).isNotEqualTo(key.secret()).startsWith("gw-");
        assertThat(GatewayClient.json(rotated).get("id").stringValue()).isEqualTo(key.id());
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                client.get("/v1/models", key.secret()).statusCode() == 401);
        assertThat(client.get("/v1/models", newSecret).statusCode()).isEqualTo(200);
    }

    @Test
    void revocationStopsTheKey() {
        var key = client.createKey();
        assertThat(client.get("/v1/models", key.secret()).statusCode()).isEqualTo(200);

        var revoked = client.admin("DELETE", "/admin/api/keys/" + key.id(), null);

        assertThat(revoked.statusCode()).isEqualTo(200);
        assertThat(GatewayClient.json(revoked).get("status").stringValue()).isEqualTo("revoked");
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                client.get("/v1/models", key.secret()).statusCode() == 401);
        assertThat(client.admin("POST", "/admin/api/keys/" + key.id() + "/rotate", null).statusCode()).isEqualTo(409);
    }

    @Test
    void answersNotFoundForUnknownIds() {
        assertThat(client.admin("GET", "/admin/api/keys/00000000-0000-0000-0000-000000000000", null).statusCode())
                .isEqualTo(404);
        assertThat(client.admin("GET", "/admin/api/keys/not-a-uuid", null).statusCode()).isEqualTo(404);
        assertThat(client.admin("DELETE", "/admin/api/keys/00000000-0000-0000-0000-000000000000", null).statusCode())
                .isEqualTo(404);
    }

    @Test
    void pagesThroughKeysNewestFirst() {
        String tag = "page-" + System.nanoTime();
        for (int i = 0; i < 5; i++) {
            client.createKey("{\"name\":\"" + tag + "-" + i + "\"}");
        }
        var first = GatewayClient.json(client.admin("GET", "/admin/api/keys?limit=3&q=" + tag, null));
        assertThat(first.get("data")).hasSize(3);
        assertThat(first.at("/data/0/name").stringValue()).isEqualTo(tag + "-4");
        String cursor = first.get("nextCursor").stringValue();
        var second = GatewayClient.json(client.admin("GET", "/admin/api/keys?limit=3&q=" + tag + "&cursor=" + cursor, null));
        assertThat(second.get("data")).hasSize(2);
        assertThat(second.at("/data/1/name").stringValue()).isEqualTo(tag + "-0");
        assertThat(second.get("nextCursor").isNull()).isTrue();
    }

    @Test
    void listsOnlyTheKeysOfATeamPageByPage() {
        String team = GatewayClient.json(client.admin("POST", "/admin/api/teams",
                "{\"name\":\"members " + System.nanoTime() + "\"}")).get("id").stringValue();
        for (int i = 0; i < 3; i++) {
            client.createKey("{\"name\":\"member-" + i + "\",\"teamId\":\"" + team + "\"}");
        }
        client.createKey("{\"name\":\"outsider\"}");

        var first = GatewayClient.json(client.admin("GET", "/admin/api/keys?limit=2&teamId=" + team, null));
        var second = GatewayClient.json(client.admin("GET", "/admin/api/keys?limit=2&teamId=" + team + "&cursor="
                + first.get("nextCursor").stringValue(), null));

        assertThat(first.get("data")).extracting(k -> k.get("name").stringValue())
                .containsExactly("member-2", "member-1");
        assertThat(second.get("data")).extracting(k -> k.get("name").stringValue()).containsExactly("member-0");
        assertThat(second.get("nextCursor").isNull()).isTrue();
        assertParam(client.admin("GET", "/admin/api/keys?teamId=nope", null), "teamId");
    }

    @Test
    void refusesAdminCallsWithoutAValidToken() {
        var none = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/admin/api/keys")).GET().build());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("\"code\":\"invalid_api_key\"");
        var wrong = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/admin/api/keys"))
                .header("Authorization", "Bearer not-the-token").GET().build());
        assertThat(wrong.statusCode()).isEqualTo(401);
        var apiKey = client.createKey();
        var withApiKey = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/admin/api/keys"))
                .header("Authorization", "Bearer " + apiKey.secret()).GET().build());
        assertThat(withApiKey.statusCode()).isEqualTo(401);
    }

    private static void assertParam(java.net.http.HttpResponse<String> response, String param) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(GatewayClient.json(response).at("/error/param").stringValue()).isEqualTo(param);
    }
}
