package io.portcullis.gateway.quota;

import io.portcullis.gateway.web.ApiError;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON forms of {@code limits} and {@code policy} (api-contract section 3), in both
 * directions: validated when they come in through the admin API (each mistake a 400 naming the
 * field, e.g. {@code limits.tokensPerDay}), and parsed (patterns compiled) when a key or team is
 * loaded into a cache, so the request path never parses them.
 */
public final class PolicyJson {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> LIMIT_FIELDS = List.of("requestsPerMinute", "tokensPerMinute", "tokensPerDay",
            "tokensPerMonth", "spendPerMonthUsd", "maxTokensPerRequest", "maxConcurrentRequests");
    static final int MAX_LIST = 100;
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
        Long spend = null;
        JsonNode spendNode = node.get("spendPerMonthUsd");
        if (spendNode != null && !spendNode.isNull()) {
            BigDecimal dollars;
            try {
                dollars = spendNode.isNumber() ? spendNode.decimalValue()
                        : spendNode.isString() ? new BigDecimal(spendNode.stringValue()) : null;
            } catch (NumberFormatException e) {
                dollars = null;
            }
            if (dollars == null || dollars.signum() < 0 || dollars.scale() > 6 || dollars.compareTo(BigDecimal.valueOf(1_000_000_000L)) > 0) {
                throw invalid(param + ".spendPerMonthUsd", "must be a dollar amount with at most 6 decimals");
            }
            spend = ModelPrice.micros(dollars);
        }
        return new Limits(count(node, "requestsPerMinute", param), count(node, "tokensPerMinute", param),
                count(node, "tokensPerDay", param), count(node, "tokensPerMonth", param), spend,
                count(node, "maxTokensPerRequest", param), count(node, "maxConcurrentRequests", param));
    }

    private static Long count(JsonNode node, String field, String param) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() <= 0) {
            throw invalid(param + "." + field, "must be a positive whole number or null");
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
            for (String tag : strings(node.get("modalities"), param + ".modalities")) {
                modalities.add(Modality.fromTag(tag).orElseThrow(() ->
                        invalid(param + ".modalities", "'" + tag + "' is not one of text, image, audio, file")));
            }
        }
        List<Cidr> cidrs = new ArrayList<>();
        for (String text : strings(node.get("allowedCidrs"), param + ".allowedCidrs")) {
            try {
                cidrs.add(Cidr.parse(text));
            } catch (IllegalArgumentException e) {
                throw invalid(param + ".allowedCidrs", "'" + text + "' is not an IP network such as 10.0.0.0/8");
            }
        }
        List<DenyPattern> patterns = new ArrayList<>();
        for (String regex : strings(node.get("denyPatterns"), param + ".denyPatterns")) {
            try {
                patterns.add(DenyPattern.compile(regex));
            } catch (IllegalArgumentException e) {
                throw invalid(param + ".denyPatterns", e.getMessage());
            }
        }
        Set<String> models = new LinkedHashSet<>(strings(node.get("models"), param + ".models"));
        return new UsagePolicy(models, modalities, cidrs, patterns, hostedTools(node, param));
    }

    /** Hosted tool types as the Responses API names them ({@code web_search}); absent means none. */
    private static Set<String> hostedTools(JsonNode node, String param) {
        Set<String> tools = new LinkedHashSet<>();
        for (String tool : strings(node.get("hostedTools"), param + ".hostedTools")) {
            if (!HOSTED_TOOL.matcher(tool).matches() || tool.equals("function") || tool.equals("custom")) {
                throw invalid(param + ".hostedTools", "'" + tool + "' is not a hosted tool type such as web_search");
            }
            tools.add(tool);
        }
        return tools;
    }

    private static List<String> strings(JsonNode node, String param) {
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
            out.add(item.stringValue());
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

    /** The API form of a policy. */
    public static Map<String, Object> toMap(UsagePolicy policy, boolean withModels) {
        var map = new LinkedHashMap<String, Object>();
        if (withModels) {
            map.put("models", List.copyOf(policy.models()));
        }
        map.put("modalities", policy.modalities() == null ? null
                : policy.modalities().stream().map(Modality::tag).toList());
        map.put("allowedCidrs", policy.allowedCidrs().stream().map(Cidr::toString).toList());
        map.put("denyPatterns", policy.denyPatterns().stream().map(DenyPattern::regex).toList());
        map.put("hostedTools", policy.hostedTools() == null ? List.of() : policy.hostedTools().stream().sorted().toList());
        return map;
    }

    /** Serialises for a jsonb column. */
    public static String write(Map<String, Object> map) {
        return JSON.writeValueAsString(map);
    }

    /** Reads a jsonb column written by {@link #write}; it was validated on the way in. */
    public static Limits readLimits(String json) {
        return limits(JSON.readTree(json == null ? "{}" : json), "limits");
    }

    public static UsagePolicy readPolicy(String json, boolean withModels) {
        ObjectNode node = (ObjectNode) JSON.readTree(json == null ? "{}" : json);
        return policy(node, "policy", withModels);
    }

    private static RuntimeException invalid(String param, String message) {
        return ApiError.invalidRequest("'" + param + "' " + message, param).toException();
    }
}
