package io.portcullis.gateway.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.policy.quota.Units;
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
            assertThat(row.price().inputPerMillion()).isEqualTo(written(node, "inputPerMillion"));
            assertThat(row.price().outputPerMillion()).isEqualTo(written(node, "outputPerMillion"));
            assertThat(row.price().perImage()).isEqualTo(written(node, "perImage"));
            assertThat(row.price().perAudioSecond()).isEqualTo(written(node, "perAudioSecond"));
            assertThat(row.price().perMillionCharacters()).isEqualTo(written(node, "perMillionCharacters"));
            assertThat(row.price().perRequest()).isEqualTo(written(node, "perRequest"));
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

    /** The price as the file writes it; zero when the row leaves it out. */
    private static BigDecimal written(JsonNode row, String field) {
        return row.has(field) ? new BigDecimal(row.get(field).stringValue()) : BigDecimal.ZERO;
    }

    @Test
    void shipsUnitPricesForSpeechTranscriptionImagesAndFreeModeration() {
        var models = PriceCatalog.shipped().models();

        assertThat(models.get("whisper-1").price().perAudioSecond()).isEqualTo(new BigDecimal("0.0001"));
        assertThat(models.get("tts-1").price().perMillionCharacters()).isEqualTo(new BigDecimal("15.00"));
        assertThat(models.get("tts-1-hd").price().perMillionCharacters()).isEqualTo(new BigDecimal("30.00"));
        assertThat(models.get("dall-e-3").price().perImage()).isEqualTo(new BigDecimal("0.04"));
        assertThat(models.get("dall-e-2").price().perImage()).isEqualTo(new BigDecimal("0.02"));
        assertThat(models.get("dall-e-3").note()).contains("not distinguished");
        assertThat(models.get("gpt-image-1").price().outputPerMillion()).isEqualTo(new BigDecimal("40.00"));
        assertThat(models).containsKeys("gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-mini-tts");
        for (String free : new String[] {"omni-moderation-latest", "text-moderation-latest"}) {
            var price = models.get(free).price();
            assertThat(price.costMicros(1_000_000, 0, 1_000_000, new Units(60, 1_000, 3))).as(free).isZero();
        }
        // a minute of audio: 60 x $0.0001 = $0.006; 1,001 characters at $15 per million = 15,015 micro-dollars
        assertThat(models.get("whisper-1").price().costMicros(0, 0, 0, new Units(60, 0, 0))).isEqualTo(6_000);
        assertThat(models.get("tts-1").price().costMicros(0, 0, 0, new Units(0, 1_001, 0))).isEqualTo(15_015);
    }

    @Test
    void refusesARowThatNamesNoPriceAtAll() {
        assertThatThrownBy(() -> PriceCatalog.parse(doc("""
                {"model":"m","source":"https://example.com/p","date":"2025-08"}""")))
                .hasMessageContaining("row 'm'").hasMessageContaining("names no price");
    }

    @Test
    void refusesAUnitPriceInExponentNotationOrFinerThanAMillionthOfAMicroDollar() {
        assertThatThrownBy(() -> PriceCatalog.parse(doc(ROW.formatted("1").replace("}", ",\"perImage\":\"4E-2\"}"))))
                .hasMessageContaining("perImage");
        assertThatThrownBy(() -> PriceCatalog.parse(doc(ROW.formatted("1")
                .replace("}", ",\"perAudioSecond\":\"0.0000000000001\"}")))).hasMessageContaining("at most 12 decimals");
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
        assertThatThrownBy(() -> PriceCatalog.parse(doc(ROW.formatted("1").replace("}", ",\"perToken\":\"1\"}"))))
                .hasMessageContaining("unknown field 'perToken'");
        assertThatThrownBy(() -> PriceCatalog.parse(doc(ROW.formatted("1") + "," + ROW.formatted("2"))))
                .hasMessageContaining("appears twice");
    }
}
