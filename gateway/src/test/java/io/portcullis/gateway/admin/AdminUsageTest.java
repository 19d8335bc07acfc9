package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class AdminUsageTest extends GatewayIntegrationTest {

    @Test
    void groupsAKeysUsageByModelKeyAndDay() {
        var key = client.createKey();
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        client.post("/v1/embeddings", key.secret(), "{\"model\":\"fake-embed\",\"input\":\"x\"}");
        awaitUsageRows(key.id(), 3);

        JsonNode byModel = usage("model", key.id());
        assertThat(byModel).hasSize(2);
        assertThat(byModel.get(0).get("group").stringValue()).isEqualTo("fake-chat");
        assertThat(byModel.get(0).get("requests").asLong()).isEqualTo(2);
        assertThat(byModel.get(0).get("promptTokens").asLong()).isEqualTo(2 * 4020);
        assertThat(byModel.get(0).get("completionTokens").asLong()).isEqualTo(8);
        assertThat(byModel.get(0).has("costUsd")).isTrue();
        assertThat(byModel.get(1).get("group").stringValue()).isEqualTo("fake-embed");

        JsonNode byKey = usage("key", key.id());
        assertThat(byKey).hasSize(1);
        assertThat(byKey.get(0).get("group").stringValue()).isEqualTo(key.id());
        assertThat(byKey.get(0).get("label").stringValue()).isEqualTo("test key");
        assertThat(byKey.get(0).get("requests").asLong()).isEqualTo(3);

        JsonNode byDay = usage("day", key.id());
        assertThat(byDay).hasSize(1);
        assertThat(byDay.get(0).get("group").stringValue()).isEqualTo(LocalDate.now(ZoneOffset.UTC).toString());
    }

    @Test
    void refusesAnUnknownGrouping() {
        var response = client.admin("GET", "/admin/api/usage?groupBy=colour", null);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(GatewayClient.json(response).at("/error/param").stringValue()).isEqualTo("groupBy");
    }

    @Test
    void refusesABadDateRange() {
        assertThat(client.admin("GET", "/admin/api/usage?from=yesterday", null).statusCode()).isEqualTo(400);
        assertThat(client.admin("GET", "/admin/api/usage?from=2026-02-01&to=2026-01-01", null).statusCode())
                .isEqualTo(400);
    }

    private JsonNode usage(String groupBy, String keyId) {
        var response = client.admin("GET", "/admin/api/usage?groupBy=" + groupBy + "&keyId=" + keyId, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return GatewayClient.json(response).get("data");
    }
}
