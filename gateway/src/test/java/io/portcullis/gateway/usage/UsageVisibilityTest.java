package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** What key holders and admins see of usage: {@code /v1/me} and the rollup-backed admin API. */
class UsageVisibilityTest extends GatewayIntegrationTest {

    @Test
    void meShowsTheKeyItsLimitsWhatIsLeftAndItsUsageAndCost() {
        String team = GatewayClient.json(client.admin("POST", "/admin/api/teams",
                "{\"name\":\"me-" + System.nanoTime() + "\",\"limits\":{\"tokensPerMonth\":1000000}}")).get("id").stringValue();
        var key = client.createKey("{\"name\":\"mine\",\"teamId\":\"" + team + "\",\"models\":[\"fake-chat\",\"fake-embed\"],"
                + "\"limits\":{\"tokensPerDay\":100000,\"requestsPerMinute\":50,\"spendPerMonthUsd\":\"1.00\"}}");
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        awaitUsageRows(key.id(), 2);

        var response = client.get("/v1/me", key.secret());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode me = GatewayClient.json(response);
        assertThat(me.get("name").stringValue()).isEqualTo("mine");
        assertThat(me.get("prefix").stringValue()).isEqualTo(key.secret().substring(0, 15));
        assertThat(me.at("/team/id").stringValue()).isEqualTo(team);
        assertThat(me.get("models")).extracting(JsonNode::stringValue).containsExactlyInAnyOrder("fake-chat", "fake-embed");
        assertThat(me.at("/limits/tokensPerDay").asLong()).isEqualTo(100_000);
        // two recorded answers of 4,020 prompt + 4 completion tokens, 5,075 micro-dollars each
        assertThat(me.at("/usage/today/requests").asLong()).isEqualTo(2);
        assertThat(me.at("/usage/today/promptTokens").asLong()).isEqualTo(8040);
        assertThat(me.at("/usage/month/completionTokens").asLong()).isEqualTo(8);
        assertThat(me.at("/usage/month/costUsd").stringValue()).isEqualTo("0.010150");
        assertThat(me.at("/remaining/tokensPerDay").asLong()).isEqualTo(100_000 - 8048);
        assertThat(me.at("/remaining/spendPerMonthUsd").stringValue()).isEqualTo("0.989850");
        assertThat(me.at("/remaining/requestsPerMinute").asLong()).isBetween(0L, 48L);
        assertThat(me.at("/teamRemaining/tokensPerMonth").asLong()).isEqualTo(1_000_000 - 8048);
        assertThat(response.body()).doesNotContain(key.secret());
    }

    @Test
    void meRequiresTheKeyItself() {
        assertThat(client.get("/v1/me", null).statusCode()).isEqualTo(401);
    }

    @Test
    void adminUsageReportsByPeriodAndModelWithPaging() {
        var key = client.createKey();
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        client.post("/v1/embeddings", key.secret(), "{\"model\":\"fake-embed\",\"input\":\"x\"}");
        awaitUsageRows(key.id(), 2);

        JsonNode byHour = GatewayClient.json(client.admin("GET",
                "/admin/api/usage?groupBy=model&granularity=hour&keyId=" + key.id(), null));
        assertThat(byHour.get("data")).hasSize(2);
        assertThat(byHour.at("/data/0/period").stringValue()).endsWith(":00:00Z");

        JsonNode page = GatewayClient.json(client.admin("GET",
                "/admin/api/usage?groupBy=model&limit=1&keyId=" + key.id(), null));
        assertThat(page.get("data")).hasSize(1);
        assertThat(page.get("nextOffset").asLong()).isEqualTo(1);
        JsonNode second = GatewayClient.json(client.admin("GET",
                "/admin/api/usage?groupBy=model&limit=1&offset=1&keyId=" + key.id(), null));
        assertThat(second.at("/data/0/group").stringValue()).isNotEqualTo(page.at("/data/0/group").stringValue());
        assertThat(second.get("nextOffset").isNull()).isTrue();

        JsonNode byModel = GatewayClient.json(client.admin("GET",
                "/admin/api/usage?groupBy=month&model=fake-embed&keyId=" + key.id(), null));
        assertThat(byModel.at("/data/0/requests").asLong()).isEqualTo(1);
    }

    @Test
    void exportsRawRowsAsCsvAndJsonLines() {
        var key = client.createKey();
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        awaitUsageRows(key.id(), 1);

        var csv = client.admin("GET", "/admin/api/usage/export?format=csv&rows=raw&keyId=" + key.id(), null);
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/csv"));
        assertThat(csv.body().lines()).hasSize(2);
        assertThat(csv.body().lines().findFirst().orElseThrow()).startsWith("created_at,request_id,key_id");
        assertThat(csv.body()).contains(key.id()).contains("fake-chat").contains(",4020,");

        var jsonl = client.admin("GET", "/admin/api/usage/export?format=jsonl&rows=daily&keyId=" + key.id(), null);
        JsonNode line = GatewayClient.JSON.readTree(jsonl.body().lines().findFirst().orElseThrow());
        assertThat(line.get("requests").asLong()).isEqualTo(1);
        assertThat(line.get("prompt_tokens").asLong()).isEqualTo(4020);

        assertThat(client.admin("GET", "/admin/api/usage/export?format=xml", null).statusCode()).isEqualTo(400);
    }

    @Test
    void rollupsCanBeCheckedAndRebuilt() {
        var key = client.createKey();
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        awaitUsageRows(key.id(), 1);
        // damage the rollups as a bad manual edit would
        jdbc.update("update usage_daily set prompt_tokens = prompt_tokens + 7 where key_id = ?::uuid", key.id());
        var broken = GatewayClient.json(client.admin("GET", "/admin/api/usage/rollups/check", null));
        assertThat(broken.get("consistent").booleanValue()).isFalse();

        var rebuilt = client.admin("POST", "/admin/api/usage/rollups/rebuild?from=2020-01-01&to=2099-12-31", null);

        assertThat(rebuilt.statusCode()).isEqualTo(200);
        assertThat(GatewayClient.json(rebuilt).get("consistent").booleanValue()).isTrue();
    }
}
