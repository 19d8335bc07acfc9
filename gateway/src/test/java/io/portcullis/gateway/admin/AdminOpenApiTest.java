package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.TestGateway;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /admin/api/openapi.json} is served to every admin role and to nobody else, and what
 * it says is what the admin API answers: real answers (and the bodies sent to get them) are
 * checked against the document's schemas, so a field added, renamed or dropped by a controller
 * fails here as well as in {@link AdminOpenApiDriftTest}.
 */
class AdminOpenApiTest extends GatewayIntegrationTest {

    private final OpenApiDocument doc = OpenApiDocument.load();

    @Test
    void servesTheDocumentToAViewer() {
        String viewer = AdminIdentities.token(client, "viewer");

        var answer = AdminIdentities.call(client, "GET", AdminOpenApiController.PATH, viewer, null);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/json"));
        assertThat(GatewayClient.json(answer)).isEqualTo(doc.root);
        assertThat(GatewayClient.json(answer).path("openapi").stringValue()).startsWith("3.1.");
    }

    @Test
    void refusesTheDocumentWithoutCredentialsInTheErrorShape() {
        for (String token : new String[] {null, "gwadm-not-a-real-token"}) {
            var answer = AdminIdentities.call(client, "GET", AdminOpenApiController.PATH, token, null);

            assertThat(answer.statusCode()).isEqualTo(401);
            assertThat(answer.body()).doesNotContain("openapi");
            conforms("Error", answer);
            assertThat(GatewayClient.json(answer).at("/error/code").stringValue()).isEqualTo("invalid_api_key");
        }
    }

    @Test
    void teamAndKeyAnswersMatchTheirSchemas() {
        String team = sent("TeamCreate", """
                {"name":"openapi team %s","limits":{"tokensPerDay":1000,"spendPerMonthUsd":"12.50"},
                 "policy":{"models":["fake-chat"],"modalities":["text"],"allowedCidrs":["127.0.0.0/8"],
                           "denyPatterns":["(?i)secret"],"hostedTools":["web_search"]}}""".formatted(System.nanoTime()));
        String teamId = conforms("Team", expect(201, client.admin("POST", "/admin/api/teams", team))).get("id").stringValue();
        conforms("TeamList", expect(200, client.admin("GET", "/admin/api/teams", null)));
        conforms("Team", expect(200, client.admin("PATCH", "/admin/api/teams/" + teamId,
                sent("TeamPatch", "{\"limits\":{\"requestsPerMinute\":60,\"spendPerMonthUsd\":250}}"))));

        String key = sent("KeyCreate", """
                {"name":"openapi key","teamId":"%s","models":["fake-chat"],"limits":{"maxTokensPerRequest":100},
                 "policy":{"modalities":["text","image"],"hostedTools":["web_search"]},
                 "expiresAt":"2099-01-01T00:00:00Z"}""".formatted(teamId));
        JsonNode created = conforms("CreatedKey", expect(201, client.admin("POST", "/admin/api/keys", key)));
        String id = created.get("id").stringValue();
        assertThat(created.at("/policy/hostedTools/0").stringValue()).isEqualTo("web_search");
        conforms("Key", expect(200, client.admin("GET", "/admin/api/keys/" + id, null)));
        conforms("KeyPage", expect(200, client.admin("GET", "/admin/api/keys?limit=2&teamId=" + teamId, null)));
        conforms("Key", expect(200, client.admin("PATCH", "/admin/api/keys/" + id,
                sent("KeyPatch", "{\"teamId\":null,\"expiresAt\":null,\"limits\":null}"))));
        conforms("RotatedKey", expect(200, client.admin("POST", "/admin/api/keys/" + id + "/rotate", null)));
        JsonNode revoked = conforms("Key", expect(200, client.admin("DELETE", "/admin/api/keys/" + id, null)));
        assertThat(revoked.get("status").stringValue()).isEqualTo("revoked");
        expect(204, client.admin("DELETE", "/admin/api/teams/" + teamId, null));
    }

    @Test
    void developerAnswersMatchTheirSchemas() {
        String team = sent("TeamCreate", """
                {"name":"openapi dev team %s","limits":{"tokensPerMonth":100000},
                 "developerKeyLimits":{"limits":{"tokensPerDay":90000,"spendPerMonthUsd":"2.5"},"models":["fake-chat"],
                                       "policy":{"modalities":["text"],"hostedTools":["web_search"]},
                                       "maxKeysPerDeveloper":5}}""".formatted(System.nanoTime()));
        String teamId = conforms("Team", expect(201, client.admin("POST", "/admin/api/teams", team))).get("id").stringValue();
        String account = sent("AccountCreate", """
                {"username":"openapi-dev-%s","password":"%s","role":"developer","teamIds":["%s"]}"""
                .formatted(Long.toString(System.nanoTime(), 36), AdminIdentities.PASSWORD, teamId));
        String accountId = conforms("Account", expect(201, client.admin("POST", "/admin/api/accounts", account)))
                .get("id").stringValue();
        conforms("Account", expect(200, client.admin("PATCH", "/admin/api/accounts/" + accountId,
                sent("AccountPatch", "{\"teamIds\":[\"" + teamId + "\"]}"))));
        String token = GatewayClient.json(expect(201, client.admin("POST", "/admin/api/tokens",
                "{\"name\":\"dev\",\"accountId\":\"" + accountId + "\"}"))).get("token").stringValue();

        conforms("MyTeams", expect(200, AdminIdentities.call(client, "GET", "/admin/api/me/teams", token, null)));
        JsonNode created = conforms("CreatedKey", expect(201, AdminIdentities.call(client, "POST", "/admin/api/me/keys",
                token, sent("DeveloperKeyCreate", "{\"name\":\"openapi dev key\",\"teamId\":\"" + teamId + "\"}"))));
        String id = created.get("id").stringValue();
        expect(200, client.post("/v1/chat/completions", created.get("key").stringValue(), GatewayClient.chat("fake-chat")));
        awaitUsageRows(id, 1);
        conforms("MyKeys", expect(200, AdminIdentities.call(client, "GET", "/admin/api/me/keys", token, null)));
        JsonNode usage = conforms("MyUsage", expect(200, AdminIdentities.call(client, "GET", "/admin/api/me/usage",
                token, null)));
        assertThat(usage.at("/keys/0/models/0/model").stringValue()).as("a model row to check").isEqualTo("fake-chat");
        conforms("RotatedKey", expect(200, AdminIdentities.call(client, "POST", "/admin/api/me/keys/" + id + "/rotate",
                token, null)));
        conforms("Key", expect(200, AdminIdentities.call(client, "DELETE", "/admin/api/me/keys/" + id, token, null)));
        conforms("Me", expect(200, AdminIdentities.call(client, "GET", "/admin/api/me", token, null)));
    }

    @Test
    void usageAndAuditAnswersMatchTheirSchemas() {
        var key = client.createKey();
        expect(200, client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")));
        awaitUsageRows(key.id(), 1);

        JsonNode usage = conforms("UsageReport", expect(200,
                client.admin("GET", "/admin/api/usage?groupBy=model&granularity=day&keyId=" + key.id(), null)));
        assertThat(usage.get("data")).as("a row to check").hasSize(1);
        assertThat(usage.at("/data/0/unmetered").isIntegralNumber()).isTrue();
        conforms("RollupCheck", expect(200, client.admin("GET", "/admin/api/usage/rollups/check", null)));
        conforms("AuditPage", expect(200, client.admin("GET", "/admin/api/audit?limit=20", null)));
        conforms("AuditVerification", expect(200, client.admin("GET", "/admin/api/audit/verify", null)));
        conforms("AuditHead", expect(200, client.admin("GET", "/admin/api/audit/head", null)));
    }

    @Test
    void accountTokenAndBackendAnswersMatchTheirSchemas() {
        conforms("Me", expect(200, client.admin("GET", "/admin/api/me", null)));
        String account = sent("AccountCreate", """
                {"username":"openapi-%s","password":"%s","role":"viewer"}"""
                .formatted(Long.toString(System.nanoTime(), 36), AdminIdentities.PASSWORD));
        String accountId = conforms("Account", expect(201, client.admin("POST", "/admin/api/accounts", account)))
                .get("id").stringValue();
        conforms("AccountList", expect(200, client.admin("GET", "/admin/api/accounts", null)));
        conforms("Account", expect(200, client.admin("PATCH", "/admin/api/accounts/" + accountId,
                sent("AccountPatch", "{\"role\":\"operator\",\"disabled\":false}"))));
        String token = sent("TokenCreate", "{\"name\":\"openapi script\",\"accountId\":\"" + accountId + "\"}");
        String tokenId = conforms("CreatedToken", expect(201, client.admin("POST", "/admin/api/tokens", token)))
                .get("id").stringValue();
        conforms("TokenList", expect(200, client.admin("GET", "/admin/api/tokens", null)));
        conforms("Token", expect(200, client.admin("DELETE", "/admin/api/tokens/" + tokenId, null)));

        String backend = sent("BackendCreate", """
                {"name":"openapi-backend","type":"openai","baseUrl":"%s","models":["openapi-model"],
                 "aliases":{"openapi-alias":"upstream-name"},"weight":2,"priority":1}"""
                .formatted(TestGateway.backend().baseUrl("openapi-backend")));
        conforms("Backend", expect(201, client.admin("POST", "/admin/api/backends", backend)));
        conforms("Backend", expect(200, client.admin("PUT", "/admin/api/backends/openapi-backend",
                sent("BackendReplace", backend.replace("\"weight\":2", "\"weight\":3")))));
        conforms("DeploymentList", expect(200, client.admin("GET", "/admin/api/backends", null)));
        expect(204, client.admin("DELETE", "/admin/api/backends/openapi-backend", null));
    }

    @Test
    void refusalsMatchTheErrorSchema() {
        for (var refused : List.of(client.admin("POST", "/admin/api/keys", "{\"name\":\"x\",\"limits\":{\"rpm\":1}}"),
                client.admin("GET", "/admin/api/keys/00000000-0000-0000-0000-00000000abcd", null),
                client.admin("GET", "/admin/api/usage?groupBy=colour", null),
                client.admin("POST", "/admin/api/backends", "{\"name\":\"bad\",\"baseUrl\":\"ftp://x\",\"models\":[\"m\"]}"),
                client.admin("POST", "/admin/api/teams", "[]"))) {
            assertThat(refused.statusCode()).as(refused.body()).isBetween(400, 499);
            conforms("Error", refused);
        }
    }

    /** The answer's body, after checking it against the named schema. */
    private JsonNode conforms(String schema, HttpResponse<String> answer) {
        JsonNode body = GatewayClient.json(answer);
        assertThat(doc.problems(doc.schema(schema), body)).as("%s answered %s", schema, answer.body()).isEmpty();
        return body;
    }

    /** The body, after checking that the document's request schema accepts it. */
    private String sent(String schema, String json) {
        assertThat(doc.problems(doc.schema(schema), GatewayClient.JSON.readTree(json))).as("%s sent %s", schema, json)
                .isEmpty();
        return json;
    }

    private static HttpResponse<String> expect(int status, HttpResponse<String> answer) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        return answer;
    }
}
