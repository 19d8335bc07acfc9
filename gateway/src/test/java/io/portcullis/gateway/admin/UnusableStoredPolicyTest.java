package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

/**
 * One stored row that no longer passes validation (written by hand, by an older version with
 * looser rules, or a deny pattern a newer pattern engine refuses) must neither break the lists
 * that read it nor let its key run without a policy: the row is shown with a {@code policyError},
 * the key (or every key of the team) is refused with 403, and a PATCH sending both limits and
 * policy repairs it. The bad rows are written with JDBC, as the admin API no longer accepts them.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnusableStoredPolicyTest extends GatewayIntegrationTest {

    @Test
    void aKeyWithAnUncompilableStoredPatternIsListedAsUnusableAndTheListStillWorks(CapturedOutput output) {
        String tag = "bad-row-" + System.nanoTime();
        var good = client.createKey("{\"name\":\"" + tag + "-good\",\"policy\":{\"denyPatterns\":[\"secret\"]}}");
        var bad = client.createKey("{\"name\":\"" + tag + "-bad\"}");
        jdbc.update("update api_key set policy = '{\"denyPatterns\":[\"(oops\"]}'::jsonb where id = ?::uuid", bad.id());

        for (int i = 0; i < 3; i++) {
            var list = client.admin("GET", "/admin/api/keys?q=" + tag, null);
            assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
            JsonNode data = GatewayClient.json(list).get("data");
            assertThat(data).hasSize(2);
            assertThat(byName(data, tag + "-good").get("policyError").isNull()).isTrue();
            assertThat(byName(data, tag + "-good").at("/policy/denyPatterns/0").stringValue()).isEqualTo("secret");
            JsonNode shown = byName(data, tag + "-bad");
            assertThat(shown.get("policyError").stringValue()).contains("policy.denyPatterns");
            assertThat(shown.get("policy").isNull()).isTrue();
            assertThat(shown.get("limits").isNull()).isTrue();
        }
        assertThat(client.admin("GET", "/admin/api/keys/" + bad.id(), null).statusCode()).isEqualTo(200);
        assertThat(client.admin("GET", "/admin/api/keys?limit=500", null).statusCode()).isEqualTo(200);
        assertThat(output.getAll().split("key " + bad.id(), -1)).as("logged once, not per read").hasSize(2);
    }

    @Test
    void aKeyWithAnUnusableStoredPolicyIsRefusedNeverServedWithoutIt() {
        var key = client.createKey("{\"name\":\"fail closed\"}");
        jdbc.update("update api_key set policy = '{\"denyPatterns\":[\"(oops\"]}'::jsonb where id = ?::uuid", key.id());
        String prompt = "unusable-" + UUID.randomUUID();

        var answer = client.post("/v1/chat/completions", key.secret(), chat(prompt));

        assertRefusedUnseen(answer, prompt);
    }

    @Test
    void aKeyWhoseStoredLimitIsAboveTheMaximumIsRefusedRatherThanLockedOutOrUnlimited() {
        var key = client.createKey("{\"name\":\"stored before the maxima\"}");
        jdbc.update("update api_key set limits = '{\"requestsPerMinute\":10000000000000000}'::jsonb where id = ?::uuid",
                key.id());
        String prompt = "too-big-" + UUID.randomUUID();

        assertRefusedUnseen(client.post("/v1/chat/completions", key.secret(), chat(prompt)), prompt);
        assertThat(GatewayClient.json(client.admin("GET", "/admin/api/keys/" + key.id(), null))
                .get("policyError").stringValue()).contains("limits.requestsPerMinute");
    }

    @Test
    void aKeyWhoseStoredModelListHoldsANullIsRefusedNotWidenedToEveryModel() {
        var key = client.createKey("{\"name\":\"null model\",\"models\":[\"fake-chat\"]}");
        // dropping the null would leave an empty list, which means every model
        jdbc.update("update api_key set models = array[null]::text[] where id = ?::uuid", key.id());
        String prompt = "null-model-" + UUID.randomUUID();

        assertRefusedUnseen(client.post("/v1/chat/completions", key.secret(), chat(prompt)), prompt);
    }

    @Test
    void aPatchMustReplaceBothLimitsAndPolicyAndThenTheKeyWorksAgain() {
        var key = client.createKey("{\"name\":\"repairable\"}");
        jdbc.update("update api_key set policy = '[\"not an object\"]'::jsonb where id = ?::uuid", key.id());

        var onlyName = client.admin("PATCH", "/admin/api/keys/" + key.id(), "{\"name\":\"renamed\"}");
        assertThat(onlyName.statusCode()).isEqualTo(400);
        assertThat(GatewayClient.json(onlyName).at("/error/param").stringValue()).isEqualTo("limits");
        var onlyPolicy = client.admin("PATCH", "/admin/api/keys/" + key.id(), "{\"policy\":{}}");
        assertThat(GatewayClient.json(onlyPolicy).at("/error/param").stringValue()).isEqualTo("limits");

        var repaired = client.admin("PATCH", "/admin/api/keys/" + key.id(), "{\"limits\":{},\"policy\":{}}");

        assertThat(repaired.statusCode()).as(repaired.body()).isEqualTo(200);
        assertThat(GatewayClient.json(repaired).get("policyError").isNull()).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(3)).until(() ->
                client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat")).statusCode() == 200);
    }

    @Test
    void aTeamWithAnUnusableStoredPolicyIsListedAsSuchAndRefusesItsKeys() {
        String name = "bad team " + System.nanoTime();
        String team = GatewayClient.json(client.admin("POST", "/admin/api/teams", "{\"name\":\"" + name + "\"}"))
                .get("id").stringValue();
        var member = client.createKey("{\"name\":\"member\",\"teamId\":\"" + team + "\"}");
        jdbc.update("update team set policy = '{\"allowedCidrs\":[\"10.0.0.0/99\"]}'::jsonb where id = ?::uuid", team);

        var list = client.admin("GET", "/admin/api/teams", null);
        assertThat(list.statusCode()).isEqualTo(200);
        JsonNode shown = byName(GatewayClient.json(list).get("data"), name);
        assertThat(shown.get("policyError").stringValue()).contains("policy.allowedCidrs");
        assertThat(shown.get("policy").isNull()).isTrue();
        assertThat(client.admin("GET", "/admin/api/teams/" + team, null).statusCode()).isEqualTo(200);
        String prompt = "bad-team-" + UUID.randomUUID();
        assertRefusedUnseen(client.post("/v1/chat/completions", member.secret(), chat(prompt)), prompt);

        var renameOnly = client.admin("PATCH", "/admin/api/teams/" + team, "{\"name\":\"" + name + " 2\"}");
        assertThat(renameOnly.statusCode()).isEqualTo(400);
        var repaired = client.admin("PATCH", "/admin/api/teams/" + team, "{\"limits\":null,\"policy\":null}");
        assertThat(repaired.statusCode()).as(repaired.body()).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> client.post("/v1/chat/completions",
                member.secret(), GatewayClient.chat("fake-chat")).statusCode() == 200);
    }

    private void assertRefusedUnseen(HttpResponse<String> answer, String prompt) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(403);
        assertThat(GatewayClient.json(answer).at("/error/code").stringValue()).isEqualTo("policy_violation");
        assertThat(backend.received("fake")).noneMatch(r -> r.body() != null && r.body().contains(prompt));
    }

    private static String chat(String prompt) {
        return "{\"model\":\"fake-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
    }

    private static JsonNode byName(JsonNode data, String name) {
        for (JsonNode row : data) {
            if (row.get("name").stringValue().equals(name)) {
                return row;
            }
        }
        throw new AssertionError("no row named " + name + " in " + data);
    }
}
