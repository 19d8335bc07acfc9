package io.portcullis.gateway.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Unit prices in force (catalog rows reached through aliases, a configured unit price over the
 * catalog's) as {@code GET /admin/api/pricing} shows them, and a spend budget held by a price that
 * is not per token: support/TestGateway serves {@code units-*} aliases on the fixed models.
 */
class UnitPricingTest extends GatewayIntegrationTest {

    private JsonNode model(String name) {
        var answer = client.admin("GET", "/admin/api/pricing", null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return StreamSupport.stream(GatewayClient.json(answer).get("data").spliterator(), false)
                .filter(m -> m.get("model").stringValue().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not listed"));
    }

    @Test
    void showsTheCatalogsPricePerSecondOfAudioWithZeroTokenPrices() {
        JsonNode whisper = model("units-whisper");

        assertThat(whisper.get("priced").asBoolean()).isTrue();
        assertThat(whisper.get("pricedAs").stringValue()).isEqualTo("whisper-1");
        assertThat(whisper.get("origin").stringValue()).isEqualTo("catalog");
        assertThat(whisper.get("perAudioSecond").stringValue()).isEqualTo("0.0001"); // $0.006 a minute
        assertThat(whisper.get("inputPerMillion").stringValue()).isEqualTo("0");
        assertThat(whisper.get("perImage").stringValue()).isEqualTo("0");
        assertThat(whisper.get("source").stringValue()).startsWith("https://platform.openai.com/");
    }

    @Test
    void aConfiguredUnitPriceReplacesTheCatalogRow() {
        JsonNode tts = model("units-tts"); // tts-1: $15 per million characters in the catalog

        assertThat(tts.get("origin").stringValue()).isEqualTo("configuration");
        assertThat(tts.get("pricedAs").stringValue()).isEqualTo("tts-1");
        assertThat(tts.get("perMillionCharacters").stringValue()).isEqualTo("16.00");
        assertThat(tts.get("source").isNull()).isTrue();
    }

    @Test
    void aFreeModerationModelIsPricedAtZeroNotUnpriced() {
        JsonNode moderation = model("units-moderation");

        assertThat(moderation.get("priced").asBoolean()).isTrue();
        assertThat(moderation.get("origin").stringValue()).isEqualTo("catalog");
        for (String part : new String[] {"inputPerMillion", "outputPerMillion", "perImage", "perAudioSecond",
                "perMillionCharacters", "perRequest"}) {
            assertThat(moderation.get(part).stringValue()).as(part).isEqualTo("0");
        }
    }

    @Test
    void aSpendBudgetHoldsAgainstAPricePerRequest() {
        // $0.25 a request and nothing per token: the budget of $1.00 is four requests, whatever their tokens
        var key = client.createKey("{\"name\":\"per-request\",\"limits\":{\"spendPerMonthUsd\":\"1.00\"}}");
        String body = GatewayClient.chat("units-per-request");
        for (int i = 0; i < 4; i++) {
            var answer = client.post("/v1/chat/completions", key.secret(), body);
            assertThat(answer.statusCode()).as("request %d: %s", i + 1, answer.body()).isEqualTo(200);
        }

        var refused = client.post("/v1/chat/completions", key.secret(), body);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(GatewayClient.json(refused).at("/error/code").stringValue()).isEqualTo("insufficient_quota");
        awaitUsageRows(key.id(), 5);
        assertThat(jdbc.queryForList("select cost_micros from usage_event where key_id = ?::uuid and status = 200",
                Long.class, key.id())).containsExactly(250_000L, 250_000L, 250_000L, 250_000L);
        assertThat(jdbc.queryForObject("select cost_micros from usage_event where key_id = ?::uuid and status = 429",
                Long.class, key.id())).as("a refused request is billed nothing").isZero();
        var me = GatewayClient.json(client.get("/v1/me", key.secret()));
        assertThat(me.at("/usage/month/costUsd").stringValue()).isEqualTo("1.000000");
        assertThat(me.at("/remaining/spendPerMonthUsd").stringValue()).isEqualTo("0.000000");
    }
}
