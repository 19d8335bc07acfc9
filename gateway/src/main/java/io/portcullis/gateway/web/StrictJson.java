package io.portcullis.gateway.web;

import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON as the admin API reads request bodies and the stores read their {@code jsonb} columns back:
 * one set of rules for both directions, so a value that was accepted always reads back.
 *
 * <p>Why each rule: a duplicate name is refused (parsers disagree on which one wins, so a proxy
 * or an audit reader could see another value than the gateway); numbers with a fraction or an
 * exponent are kept as exact decimals, never as a {@code double} ({@code 1e400} would become
 * infinity, {@code 0.1} an approximation of money); text must be {@link #unstorable storable}.
 */
public final class StrictJson {

    /** Reads trees only; never used to write. */
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private StrictJson() {
    }

    /**
     * Why PostgreSQL could not store this text and give it back unchanged, or a console show it
     * safely; {@code null} when it can. PostgreSQL refuses U+0000 in {@code text} and in
     * {@code jsonb}; an unpaired surrogate has no UTF-8 form (the driver would store {@code ?});
     * the other C0 and C1 controls and DEL are refused too, because no admin field needs them
     * (names, model names, networks and patterns are one line; a pattern writes {@code \t} or
     * {@code \n} for those) and they hide text in logs and terminals.
     */
    public static String unstorable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
                return String.format("contains the control character U+%04X", (int) c);
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "contains an unpaired surrogate";
            }
            if (Character.isLowSurrogate(c)) {
                return "contains an unpaired surrogate";
            }
        }
        return null;
    }
}
