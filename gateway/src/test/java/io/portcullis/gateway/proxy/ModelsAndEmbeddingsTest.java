package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Fixtures;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ModelsAndEmbeddingsTest extends GatewayIntegrationTest {

    @Test
    void relaysEmbeddingsAndRecordsTheirTokens() {
        var key = client.createKey();
        String body = Fixtures.text("openai/embeddings.float.request.json")
                .replace("\"text-embedding-3-small\"", "\"fake-embed\"");

        var response = client.post("/v1/embeddings", key.secret(), body);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(Fixtures.text("openai/embeddings.float.response.json"));
        awaitUsageRows(key.id(), 1);
        assertThat(jdbc.queryForMap("select endpoint, prompt_tokens from usage_event_named where key_id = ?::uuid", key.id()))
                .containsEntry("endpoint", "embeddings").containsEntry("prompt_tokens", 3);
    }

    @Test
    void refusesStreamingOnEmbeddings() {
        var key = client.createKey();
        var response = client.post("/v1/embeddings", key.secret(), "{\"model\":\"fake-embed\",\"input\":\"x\",\"stream\":true}");
        assertThat(response.statusCode()).isEqualTo(400);
    }

    @Test
    void listsEveryModelForAKeyWithoutAllowList() {
        var key = client.createKey();
        assertThat(modelIds(client.get("/v1/models", key.secret()).body()))
                .contains("fake-chat", "fake-embed", "garbage-model", "down-model");
    }

    @Test
    void listsOnlyTheModelsTheKeyMayUse() {
        var key = client.createKey("{\"name\":\"restricted\",\"models\":[\"fake-embed\",\"fake-chat\"]}");
        var response = client.get("/v1/models", key.secret());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode list = GatewayClient.json(response);
        assertThat(list.get("object").stringValue()).isEqualTo("list");
        assertThat(modelIds(response.body())).containsExactlyInAnyOrder("fake-chat", "fake-embed");
        assertThat(list.at("/data/0/object").stringValue()).isEqualTo("model");
    }

    @Test
    void refusesModelListingWithoutAKey() {
        assertThat(client.get("/v1/models", null).statusCode()).isEqualTo(401);
    }

    private static List<String> modelIds(String body) {
        List<String> ids = new ArrayList<>();
        GatewayClient.JSON.readTree(body).get("data").forEach(m -> ids.add(m.get("id").stringValue()));
        return ids;
    }
}
