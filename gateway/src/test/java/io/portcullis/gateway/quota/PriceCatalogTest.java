package io.portcullis.gateway.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.math.BigDecimal;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The catalog shipped in the jar: every row exact, sourced and dated, and malformed rows refused. */
class PriceCatalogTest {

    private static JsonNode raw() throws Exception {
        try (InputStream in = PriceCatalog.class.getClassLoader().getResourceAsStream(PriceCatalog.RESOURCE)) {
            return JsonMapper.shared().readTree(in);
        }
    }

    private static JsonNode doc(String rows) {
        return JsonMapper.shared().readTree("{\"date\":\"2025-08\",\"models\":[" + rows + "]}");
    }

    private static final String ROW = """
            {"model":"m","inputPerMillion":"%s","outputPerMillion":"1","source":"https://example.com/p","date":"2025-08"}""";

    @Test
    void loadsEveryRowOfTheShippedCatalogWithExactlyThePricesWritten() throws Exception {
        PriceCatalog catalog = PriceCatalog.shipped();
        JsonNode rows = raw().get("models");

        assertThat(catalog.models()).hasSize(rows.size()).containsKeys("gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3",
                "o4-mini", "text-embedding-3-small", "text-embedding-3-large", "claude-sonnet-4-5", "claude-haiku-4-5",
                "claude-opus-4-1", "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite",
                "gemini-embedding-001");
        for (JsonNode node : rows) {
            var row = catalog.models().get(node.get("model").stringValue());
            // equals, not compareTo: "2.50" stays 2.50, scale and all, with no trip through a double
            assertThat(row.price().inputPerMillion()).isEqualTo(new BigDecimal(node.get("inputPerMillion").stringValue()));
            assertThat(row.price().outputPerMillion()).isEqualTo(new BigDecimal(node.get("outputPerMillion").stringValue()));
            BigDecimal cached = node.has("cachedInputPerMillion")
                    ? new BigDecimal(node.get("cachedInputPerMillion").stringValue()) : row.price().inputPerMillion();
            assertThat(row.price().cachedInputPerMillion()).isEqualTo(cached);
            assertThat(row.price().inputPerMillion().scale()).as(row.model()).isLessThanOrEqualTo(6);
            assertThat(row.price().cachedInputPerMillion()).as(row.model()).isLessThanOrEqualTo(row.price().inputPerMillion());
            assertThat(row.source().getScheme()).isEqualTo("https");
            assertThat(row.date()).isBeforeOrEqualTo(catalog.date()).isAfter(YearMonth.of(2024, 12));
        }
        assertThat(catalog.date()).isEqualTo(catalog.models().values().stream().map(PriceCatalog.Row::date)
                .max(YearMonth::compareTo).orElseThrow());
    }

    @Test
    void billsACatalogRowInMicroDollarsExactly() {
        var mini = PriceCatalog.shipped().models().get("gpt-4o-mini").price();

        // 1000 × 0.15 + 1000 × 0.075 + 1000 × 0.60 micro-dollars
        assertThat(mini.costMicros(2000, 1000, 1000)).isEqualTo(825);
    }

    @Test
    void refusesAPriceWrittenAsAJsonNumber() {
        assertThatThrownBy(() -> PriceCatalog.parse(doc(ROW.formatted("1").replace("\"1\",\"out", "1,\"out"))))
                .hasMessageContaining("row 'm'").hasMessageContaining("inputPerMillion");
    }

    @Test
    void refusesAPriceFinerThanAMillionthOfAMicroDollarPerToken() {
        assertThatThrownBy(() -> PriceCatalog.parse(doc(ROW.formatted("0.1234567"))))
                .hasMessageContaining("at most 6 decimals");
    }

    @Test
    void refusesANegativePriceARowWithoutSourceAndARowDatedAfterTheCatalog() {
        assertThatThrownBy(() -> PriceCatalog.parse(doc(ROW.formatted("-1")))).hasMessageContaining("not negative");
        assertThatThrownBy(() -> PriceCatalog.parse(doc(ROW.formatted("1").replace("https://example.com/p", "http://x"))))
                .hasMessageContaining("https 'source'");
        assertThatThrownBy(() -> PriceCatalog.parse(doc(ROW.formatted("1").replace("2025-08\"}", "2025-09\"}"))))
                .hasMessageContaining("dated after the catalog");
    }

    @Test
    void refusesAnUnknownFieldAndADuplicateModel() {
        assertThatThrownBy(() -> PriceCatalog.parse(doc(ROW.formatted("1").replace("}", ",\"perImage\":\"1\"}"))))
                .hasMessageContaining("unknown field 'perImage'");
        assertThatThrownBy(() -> PriceCatalog.parse(doc(ROW.formatted("1") + "," + ROW.formatted("2"))))
                .hasMessageContaining("appears twice");
    }
}
