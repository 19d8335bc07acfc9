package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /admin/api/pricing} against the shared test gateway's deployments (support/TestGateway),
 * and the price in force reaching the ledger.
 */
class AdminPricingTest extends GatewayIntegrationTest {

    private JsonNode listing() {
        var answer = client.admin("GET", "/admin/api/pricing", null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return GatewayClient.json(answer);
    }

    private JsonNode model(String name) {
        return StreamSupport.stream(listing().get("data").spliterator(), false)
                .filter(m -> m.get("model").stringValue().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not listed"));
    }

    @Test
    void pricesAnAliasFromTheCatalogByItsUpstreamName() {
        JsonNode claude = model("claude"); // an alias of claude-haiku-4-5

        assertThat(claude.get("priced").asBoolean()).isTrue();
        assertThat(claude.get("pricedAs").stringValue()).isEqualTo("claude-haiku-4-5");
        assertThat(claude.get("origin").stringValue()).isEqualTo("catalog");
        assertThat(claude.get("inputPerMillion").stringValue()).isEqualTo("1.00");
        assertThat(claude.get("cachedInputPerMillion").stringValue()).isEqualTo("0.10");
        assertThat(claude.get("outputPerMillion").stringValue()).isEqualTo("5.00");
        assertThat(claude.get("source").stringValue()).startsWith("https://docs.anthropic.com/");
        assertThat(claude.get("date").stringValue()).matches("\\d{4}-\\d{2}");
        assertThat(listing().get("catalogDate").stringValue()).matches("\\d{4}-\\d{2}");
    }

    @Test
    void configurationReplacesTheCatalogRowOfTheUpstreamModel() {
        // resp-mini is an alias of gpt-4o-mini (catalog: 0.15 / 0.075 / 0.60); configuration says otherwise
        JsonNode respMini = model("resp-mini");

        assertThat(respMini.get("origin").stringValue()).isEqualTo("configuration");
        assertThat(respMini.get("pricedAs").stringValue()).isEqualTo("resp-mini");
        assertThat(respMini.get("inputPerMillion").stringValue()).isEqualTo("2.50");
        assertThat(respMini.get("cachedInputPerMillion").stringValue()).isEqualTo("1.25");
        assertThat(respMini.get("outputPerMillion").stringValue()).isEqualTo("10.00");
        assertThat(respMini.get("source").isNull()).isTrue();
        assertThat(respMini.get("date").isNull()).isTrue();
    }

    @Test
    void listsAServedModelWithoutAPriceAsUnpriced() {
        JsonNode embed = model("fake-embed");

        assertThat(embed.get("priced").asBoolean()).isFalse();
        assertThat(embed.get("origin").isNull()).isTrue();
        assertThat(embed.get("inputPerMillion").isNull()).isTrue();
    }

    @Test
    void doesNotPriceAPublicNameThatOnlyLooksLikeACatalogModel() {
        // Ollama serves llama3.2:3b under the public name gpt-4o-mini: OpenAI's price would be a fiction
        JsonNode disguised = model("gpt-4o-mini");

        assertThat(disguised.get("priced").asBoolean()).isFalse();
    }

    @Test
    void listsEveryServedModelOnceInNameOrder() {
        var names = StreamSupport.stream(listing().get("data").spliterator(), false)
                .map(m -> m.get("model").stringValue()).toList();

        assertThat(names).isSorted().doesNotHaveDuplicates().contains("fake-chat", "claude", "gemini", "split");
    }

    @Test
    void billsARequestToACatalogPricedAliasInTheLedger() {
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("claude"));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        awaitUsageRows(key.id(), 1);
        var row = jdbc.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
        assertThat(row).containsEntry("prompt_tokens", 7361).containsEntry("cached_tokens", 7351)
                .containsEntry("completion_tokens", 4);
        // 10 × $1.00 + 7351 × $0.10 + 4 × $5.00 per million = 765.1 micro-dollars, rounded up
        assertThat(row.get("cost_micros")).isEqualTo(766L);
    }
}
