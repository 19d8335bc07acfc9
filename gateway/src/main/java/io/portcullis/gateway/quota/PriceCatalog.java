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
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The token prices shipped with the gateway ({@value #RESOURCE}): per model the provider's
 * published price, where it was read and in which month. Read once at start; a malformed row
 * stops the gateway rather than billing a guess. Prices are decimal strings, never JSON numbers,
 * so that no price passes through a {@code double}.
 *
 * @param date   the month of the catalog's newest row
 * @param models rows by model name, in file order
 */
public record PriceCatalog(YearMonth date, Map<String, Row> models) {

    /** Where the catalog is on the class path. */
    public static final String RESOURCE = "pricing/catalog.json";

    private static final Set<String> ROW_FIELDS = Set.of("model", "inputPerMillion", "cachedInputPerMillion",
            "outputPerMillion", "source", "date", "note");
    /** micro-dollars per token: finer than a millionth of a micro-dollar is precision no provider publishes */
    private static final int MAX_SCALE = 6;

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
            BigDecimal cached = node.has("cachedInputPerMillion") ? price(node, "cachedInputPerMillion", where) : null;
            ModelPrice price = new ModelPrice(price(node, "inputPerMillion", where),
                    price(node, "outputPerMillion", where), cached);
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

    private static BigDecimal price(JsonNode row, String field, String where) {
        String text = text(row, field, where);
        try {
            BigDecimal price = new BigDecimal(text);
            if (price.signum() < 0 || price.scale() > MAX_SCALE) {
                throw new NumberFormatException();
            }
            return price;
        } catch (NumberFormatException e) {
            throw new IllegalStateException(RESOURCE + ": " + where + "'s '" + field
                    + "' must be a decimal string of at most " + MAX_SCALE + " decimals, not negative: " + text);
        }
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
