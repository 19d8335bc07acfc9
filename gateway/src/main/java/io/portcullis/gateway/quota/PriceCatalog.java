package io.portcullis.gateway.quota;

import io.portcullis.policy.quota.ModelPrice;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The prices shipped with the gateway ({@value #RESOURCE}): per model the provider's published
 * price (per million tokens, and per image, second of audio, million characters or request for the
 * endpoints priced so), where it was read and in which month. Read once at start; a malformed row
 * stops the gateway rather than billing a guess. Prices are decimal strings, never JSON numbers,
 * so that no price passes through a {@code double}. A row names at least one price; the parts it
 * leaves out are zero, so a free model (moderation) is a row of explicit zeros, never a missing row.
 *
 * @param date   the month of the catalog's newest row
 * @param models rows by model name, in file order
 */
public record PriceCatalog(YearMonth date, Map<String, Row> models) {

    /** Where the catalog is on the class path. */
    public static final String RESOURCE = "pricing/catalog.json";

    private static final List<String> PER_MILLION = List.of("inputPerMillion", "cachedInputPerMillion",
            "outputPerMillion", "perMillionCharacters");
    private static final List<String> PER_UNIT = List.of("perImage", "perAudioSecond", "perRequest");
    private static final Set<String> ROW_FIELDS = Set.of("model", "inputPerMillion", "cachedInputPerMillion",
            "outputPerMillion", "perImage", "perAudioSecond", "perMillionCharacters", "perRequest", "source", "date",
            "note");
    /** micro-dollars per token: finer than a millionth of a micro-dollar is precision no provider publishes */
    private static final int MAX_SCALE = 6;
    /** dollars per unit: a millionth of a micro-dollar, as for a price per million */
    private static final int MAX_UNIT_SCALE = 12;

    public PriceCatalog {
        models = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(models));
    }

    /**
     * One published price.
     *
     * @param source the provider's pricing page the price was read from
     * @param date   the month it was read
     * @param note   what the row does not model (long-context tiers, cache writes), or null
     */
    public record Row(String model, ModelPrice price, URI source, YearMonth date, String note) {
    }

    /** The catalog shipped in the gateway's jar. */
    public static PriceCatalog shipped() {
        try (InputStream in = PriceCatalog.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The price catalog " + RESOURCE + " is missing from the class path");
            }
            return parse(JsonMapper.shared().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads and checks a catalog document; the message of a refusal names the row and field. */
    static PriceCatalog parse(JsonNode root) {
        YearMonth date = month(root.get("date"), "the catalog's 'date'");
        JsonNode rows = root.get("models");
        if (rows == null || !rows.isArray()) {
            throw new IllegalStateException(RESOURCE + ": 'models' must be an array");
        }
        var models = new LinkedHashMap<String, Row>();
        for (JsonNode node : rows) {
            String model = text(node, "model", "a row");
            String where = "row '" + model + "'";
            for (String field : node.propertyNames()) {
                if (!ROW_FIELDS.contains(field)) {
                    throw new IllegalStateException(RESOURCE + ": " + where + " has an unknown field '" + field + "'");
                }
            }
            if (PER_MILLION.stream().noneMatch(node::has) && PER_UNIT.stream().noneMatch(node::has)) {
                throw new IllegalStateException(RESOURCE + ": " + where + " names no price (a free model is priced at"
                        + " \"0\" explicitly)");
            }
            BigDecimal input = optional(node, "inputPerMillion", where, MAX_SCALE);
            ModelPrice price = new ModelPrice(input == null ? BigDecimal.ZERO : input,
                    orZero(optional(node, "outputPerMillion", where, MAX_SCALE)),
                    optional(node, "cachedInputPerMillion", where, MAX_SCALE),
                    optional(node, "perImage", where, MAX_UNIT_SCALE),
                    optional(node, "perAudioSecond", where, MAX_UNIT_SCALE),
                    optional(node, "perMillionCharacters", where, MAX_SCALE),
                    optional(node, "perRequest", where, MAX_UNIT_SCALE));
            URI source = URI.create(text(node, "source", where));
            if (!"https".equals(source.getScheme()) || source.getHost() == null) {
                throw new IllegalStateException(RESOURCE + ": " + where + " needs an https 'source'");
            }
            YearMonth rowDate = month(node.get("date"), where + "'s 'date'");
            if (rowDate.isAfter(date)) {
                throw new IllegalStateException(RESOURCE + ": " + where + " is dated after the catalog");
            }
            String note = node.has("note") ? text(node, "note", where) : null;
            if (models.put(model, new Row(model, price, source, rowDate, note)) != null) {
                throw new IllegalStateException(RESOURCE + ": " + where + " appears twice");
            }
        }
        return new PriceCatalog(date, models);
    }

    /** The price in {@code field}, or null when the row leaves it out. */
    private static BigDecimal optional(JsonNode row, String field, String where, int maxScale) {
        if (!row.has(field)) {
            return null;
        }
        String text = text(row, field, where);
        try {
            BigDecimal price = new BigDecimal(text);
            if (price.signum() < 0 || price.scale() > maxScale || !text.matches("[0-9]+(\\.[0-9]+)?")) {
                throw new NumberFormatException();
            }
            return price;
        } catch (NumberFormatException e) {
            throw new IllegalStateException(RESOURCE + ": " + where + "'s '" + field
                    + "' must be a decimal string of at most " + maxScale + " decimals, not negative: " + text);
        }
    }

    private static BigDecimal orZero(BigDecimal value) {
        return value == null ? BigDecimal.ZERO : value;
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isString() || value.stringValue().isBlank()) {
            throw new IllegalStateException(RESOURCE + ": " + where + " needs '" + field + "' as a string");
        }
        return value.stringValue();
    }

    private static YearMonth month(JsonNode value, String what) {
        try {
            return YearMonth.parse(value == null ? "" : value.asString(""));
        } catch (DateTimeParseException e) {
            throw new IllegalStateException(RESOURCE + ": " + what + " must be a month (yyyy-MM)");
        }
    }
}
