package io.portcullis.gateway.access;

import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.GatewayException;
import io.portcullis.gateway.web.StrictJson;
import io.portcullis.policy.Cidr;
import io.portcullis.policy.DenyPattern;
import io.portcullis.policy.Limits;
import io.portcullis.policy.Modality;
import io.portcullis.policy.UsagePolicy;
import io.portcullis.policy.quota.ModelPrice;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON forms of {@code limits} and {@code policy} (api-contract section 3), in both
 * directions, with one set of rules: validated when they come in through the admin API (each
 * mistake a 400 naming the field, e.g. {@code limits.tokensPerDay}), and parsed again with the
 * same rules (patterns compiled) when a key or team is loaded, so the request path never parses
 * them. A stored value that no longer passes (written by hand, or by an older version with looser
 * rules) does not break whoever reads it: {@link #readStored} answers it as {@link Stored#error()
 * unusable}, and its policy refuses every request.
 */
public final class PolicyJson {

    private static final Logger log = LoggerFactory.getLogger(PolicyJson.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> LIMIT_FIELDS = List.of("requestsPerMinute", "tokensPerMinute", "tokensPerDay",
            "tokensPerMonth", "spendPerMonthUsd", "maxTokensPerRequest", "maxConcurrentRequests");
    /** Items in each policy list (and in a key's {@code models}). */
    public static final int MAX_LIST = 100;
    /** Characters in a model name, a network or a modality tag; patterns are bounded by {@link DenyPattern}. */
    public static final int MAX_ITEM = 200;
    /** Characters of a dollar amount given as a string: far above any valid one, and BigDecimal parsing is superlinear. */
    private static final int MAX_DECIMAL_CHARS = 40;
    private static final BigDecimal MAX_SPEND_USD = ModelPrice.dollars(Limits.MAX_SPEND_MICROS);
    /** Unusable rows already logged, so a list read every few seconds logs each once. Bounded. */
    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

    /**
     * The policy of a key or team whose stored policy cannot be read: a deny pattern that every
     * prompt matches, so every request is refused with 403 {@code policy_violation}. Fail closed.
     */
    public static final UsagePolicy UNUSABLE = new UsagePolicy(Set.of(), null, List.of(),
            List.of(DenyPattern.compile("^")));
    /** The shape of a hosted tool type ({@code web_search_preview_2025_03_11}). */
    private static final java.util.regex.Pattern HOSTED_TOOL = java.util.regex.Pattern.compile("[a-z0-9_.-]{1,64}");

    private PolicyJson() {
    }

    /** Validates a {@code limits} object from the admin API. */
    public static Limits limits(JsonNode node, String param) {
        if (node == null || node.isNull()) {
            return Limits.NONE;
        }
        if (!node.isObject()) {
            throw invalid(param, "must be an object");
        }
        for (String field : node.propertyNames()) {
            if (!LIMIT_FIELDS.contains(field)) {
                throw invalid(param + "." + field, "is not a known limit; known: " + String.join(", ", LIMIT_FIELDS));
            }
        }
        return new Limits(count(node, "requestsPerMinute", param, Limits.MAX_PER_MINUTE),
                count(node, "tokensPerMinute", param, Limits.MAX_PER_MINUTE),
                count(node, "tokensPerDay", param, Limits.MAX_TOKEN_BUDGET),
                count(node, "tokensPerMonth", param, Limits.MAX_TOKEN_BUDGET),
                spend(node.get("spendPerMonthUsd"), param + ".spendPerMonthUsd"),
                count(node, "maxTokensPerRequest", param, Limits.MAX_TOKENS_PER_REQUEST),
                count(node, "maxConcurrentRequests", param, Limits.MAX_CONCURRENT));
    }

    /**
     * Dollars as an exact decimal, from a JSON number or a string: never through a {@code double}.
     * The range is checked before any conversion, so {@code 1e400} or {@code 1e-999999999} cost
     * nothing.
     */
    private static Long spend(JsonNode node, String param) {
        if (node == null || node.isNull()) {
            return null;
        }
        BigDecimal dollars = null;
        if (node.isBigDecimal() || node.isIntegralNumber()) {
            dollars = node.decimalValue();
        } else if (node.isString() && node.stringValue().length() <= MAX_DECIMAL_CHARS) {
            try {
                dollars = new BigDecimal(node.stringValue());
            } catch (NumberFormatException e) {
                dollars = null;
            }
        }
        if (dollars == null || dollars.signum() < 0 || dollars.compareTo(MAX_SPEND_USD) > 0
                || dollars.stripTrailingZeros().scale() > 6) {
            throw invalid(param, "must be a dollar amount from 0 to " + MAX_SPEND_USD.toPlainString()
                    + " with at most 6 decimals");
        }
        return ModelPrice.micros(dollars.stripTrailingZeros());
    }

    /** A whole JSON number from 1 to {@code max}: not a string, not {@code 10.0}, not {@code 1e3}. */
    private static Long count(JsonNode node, String field, String param, long max) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 1
                || value.longValue() > max) {
            throw invalid(param + "." + field, "must be a whole number from 1 to " + max + ", or null");
        }
        return value.longValue();
    }

    /**
     * Validates a {@code policy} object from the admin API.
     *
     * @param allowModels whether a {@code models} list is accepted (teams); keys have a top-level {@code models}
     */
    public static UsagePolicy policy(JsonNode node, String param, boolean allowModels) {
        if (node == null || node.isNull()) {
            return UsagePolicy.DEFAULT;
        }
        if (!node.isObject()) {
            throw invalid(param, "must be an object");
        }
        for (String field : node.propertyNames()) {
            if (!List.of("modalities", "allowedCidrs", "denyPatterns", "hostedTools").contains(field)
                    && !(allowModels && field.equals("models"))) {
                throw invalid(param + "." + field, "is not a known policy field");
            }
        }
        Set<Modality> modalities = null;
        if (node.has("modalities") && !node.get("modalities").isNull()) {
            modalities = new LinkedHashSet<>();
            for (String tag : strings(node.get("modalities"), param + ".modalities", MAX_ITEM)) {
                modalities.add(Modality.fromTag(tag).orElseThrow(() ->
                        invalid(param + ".modalities", "'" + tag + "' is not one of text, image, audio, file")));
            }
        }
        List<Cidr> cidrs = new ArrayList<>();
        for (String text : strings(node.get("allowedCidrs"), param + ".allowedCidrs", MAX_ITEM)) {
            try {
                cidrs.add(Cidr.parse(text));
            } catch (IllegalArgumentException e) {
                throw invalid(param + ".allowedCidrs", "'" + text + "' is not an IP network such as 10.0.0.0/8");
            }
        }
        List<DenyPattern> patterns = new ArrayList<>();
        for (String regex : strings(node.get("denyPatterns"), param + ".denyPatterns", DenyPattern.MAX_PATTERN_LENGTH)) {
            try {
                patterns.add(DenyPattern.compile(regex));
            } catch (IllegalArgumentException e) {
                throw invalid(param + ".denyPatterns", e.getMessage());
            }
        }
        Set<String> models = new LinkedHashSet<>(strings(node.get("models"), param + ".models", MAX_ITEM));
        return new UsagePolicy(models, modalities, cidrs, patterns, hostedTools(node, param));
    }

    /** Hosted tool types as the Responses API names them ({@code web_search}); absent means none. */
    private static Set<String> hostedTools(JsonNode node, String param) {
        Set<String> tools = new LinkedHashSet<>();
        for (String tool : strings(node.get("hostedTools"), param + ".hostedTools", MAX_ITEM)) {
            if (!HOSTED_TOOL.matcher(tool).matches() || tool.equals("function") || tool.equals("custom")) {
                throw invalid(param + ".hostedTools", "'" + tool + "' is not a hosted tool type such as web_search");
            }
            tools.add(tool);
        }
        return tools;
    }

    /** Non-empty, storable strings of at most {@code maxLength} characters, at most {@value #MAX_LIST} of them. */
    private static List<String> strings(JsonNode node, String param, int maxLength) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray() || node.size() > MAX_LIST) {
            throw invalid(param, "must be an array of at most " + MAX_LIST + " strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isString() || item.stringValue().isBlank()) {
                throw invalid(param, "must be an array of non-empty strings");
            }
            String value = item.stringValue();
            if (value.length() > maxLength) {
                throw invalid(param, "items must be at most " + maxLength + " characters");
            }
            String problem = StrictJson.unstorable(value);
            if (problem != null) {
                throw invalid(param, problem);
            }
            out.add(value);
        }
        return out;
    }

    /** The API form of limits, as stored in jsonb and returned by the admin API. */
    public static Map<String, Object> toMap(Limits limits) {
        var map = new LinkedHashMap<String, Object>();
        map.put("requestsPerMinute", limits.requestsPerMinute());
        map.put("tokensPerMinute", limits.tokensPerMinute());
        map.put("tokensPerDay", limits.tokensPerDay());
        map.put("tokensPerMonth", limits.tokensPerMonth());
        map.put("spendPerMonthUsd", limits.spendPerMonthMicros() == null ? null
                : ModelPrice.dollars(limits.spendPerMonthMicros()).toPlainString());
        map.put("maxTokensPerRequest", limits.maxTokensPerRequest());
        map.put("maxConcurrentRequests", limits.maxConcurrentRequests());
        return map;
    }

    /**
     * The API form of a policy. Models and modalities are sets, whose iteration order is not
     * stable: they are written sorted, so the answer to a write, the stored jsonb and every later
     * read show the same list.
     */
    public static Map<String, Object> toMap(UsagePolicy policy, boolean withModels) {
        var map = new LinkedHashMap<String, Object>();
        if (withModels) {
            map.put("models", policy.models().stream().sorted().toList());
        }
        map.put("modalities", policy.modalities() == null ? null
                : policy.modalities().stream().sorted().map(Modality::tag).toList());
        map.put("allowedCidrs", policy.allowedCidrs().stream().map(Cidr::toString).toList());
        map.put("denyPatterns", policy.denyPatterns().stream().map(DenyPattern::regex).toList());
        map.put("hostedTools", policy.hostedTools() == null ? List.of() : policy.hostedTools().stream().sorted().toList());
        return map;
    }

    /** Serialises for a jsonb column. */
    public static String write(Map<String, Object> map) {
        return JSON.writeValueAsString(map);
    }

    /**
     * What a stored row's {@code limits} and {@code policy} read back as.
     *
     * @param error why they cannot be used, or {@code null}; when set, {@code limits} is
     *              {@link Limits#NONE} and {@code policy} is {@link #UNUSABLE}
     */
    public record Stored(Limits limits, UsagePolicy policy, String error) {
    }

    /**
     * Reads a row's jsonb columns, written by {@link #write}, with the rules they were accepted
     * by. Never throws for the row's content: a row that does not pass is logged once (per
     * {@code row} and change) and answered unusable, so one bad row cannot break a list, and its
     * key or team refuses every request rather than running without its policy.
     *
     * @param row which row, for the log: e.g. {@code key 5f0c… updated 2026-11-02T10:00:00Z}
     */
    public static Stored readStored(String limitsJson, String policyJson, boolean withModels, String row) {
        try {
            Limits limits = limits(StrictJson.MAPPER.readTree(limitsJson == null ? "{}" : limitsJson), "limits");
            UsagePolicy policy = policy(StrictJson.MAPPER.readTree(policyJson == null ? "{}" : policyJson), "policy",
                    withModels);
            return new Stored(limits, policy, null);
        } catch (RuntimeException e) {
            String error = e instanceof GatewayException g ? g.error().message()
                    : "stored limits or policy cannot be read (" + e.getClass().getSimpleName() + ")";
            return unusable(row, error);
        }
    }

    /** A stored row that cannot be used, logged once. */
    public static Stored unusable(String row, String error) {
        if (REPORTED.size() > 10_000) {
            REPORTED.clear(); // a bound, not a cache: at worst a row is logged again
        }
        if (REPORTED.add(row + ": " + error)) {
            log.warn("Stored {} cannot be used and refuses every request until an admin replaces its limits"
                    + " and policy: {}", row, error);
        }
        return new Stored(Limits.NONE, UNUSABLE, error);
    }

    private static RuntimeException invalid(String param, String message) {
        return ApiError.invalidRequest("'" + param + "' " + message, param).toException();
    }
}
