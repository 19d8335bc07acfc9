package io.portcullis.gateway.admin;

import io.portcullis.gateway.access.PolicyJson;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.policy.DeveloperKeyBounds;
import io.portcullis.policy.Limits;
import io.portcullis.policy.UsagePolicy;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A team's {@code developerKeyLimits} in the admin API and in {@code team_developer_key_limits}:
 * {@code {"limits":{...},"models":[...],"policy":{...},"maxKeysPerDeveloper":10}}, with the same
 * rules as a key's limits, models and policy (api-contract section 3).
 */
final class DeveloperKeyLimitsJson {

    static final String FIELD = "developerKeyLimits";
    private static final List<String> FIELDS = List.of("limits", "models", "policy", "maxKeysPerDeveloper");

    private DeveloperKeyLimitsJson() {
    }

    /** @return the bound, or null when the node is absent or null (developers may not create keys) */
    static DeveloperKeyBounds parse(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw ApiError.invalidRequest("'" + FIELD + "' must be an object or null", FIELD).toException();
        }
        for (String field : node.propertyNames()) {
            if (!FIELDS.contains(field)) {
                throw ApiError.invalidRequest("'" + FIELD + "." + field + "' is not known; known: "
                        + String.join(", ", FIELDS), FIELD + "." + field).toException();
            }
        }
        Limits limits = PolicyJson.limits(node.get("limits"), FIELD + ".limits");
        UsagePolicy policy = PolicyJson.policy(node.get("policy"), FIELD + ".policy", false);
        List<String> models;
        try {
            models = AdminJson.stringList(node, "models", PolicyJson.MAX_LIST);
        } catch (RuntimeException e) {
            throw ApiError.invalidRequest("'" + FIELD + ".models' must be an array of at most " + PolicyJson.MAX_LIST
                    + " non-empty strings", FIELD + ".models").toException();
        }
        int maxKeys = DeveloperKeyBounds.DEFAULT_MAX_KEYS;
        JsonNode max = node.get("maxKeysPerDeveloper");
        if (max != null && !max.isNull()) {
            if (!max.isIntegralNumber() || !max.canConvertToInt() || max.intValue() < 1
                    || max.intValue() > DeveloperKeyBounds.MAX_KEYS) {
                throw ApiError.invalidRequest("'" + FIELD + ".maxKeysPerDeveloper' must be a whole number from 1 to "
                        + DeveloperKeyBounds.MAX_KEYS, FIELD + ".maxKeysPerDeveloper").toException();
            }
            maxKeys = max.intValue();
        }
        return new DeveloperKeyBounds(limits, new LinkedHashSet<>(models), policy, maxKeys);
    }

    /** The API form, also what is stored; null for no bound. */
    static Map<String, Object> toMap(DeveloperKeyBounds bounds) {
        if (bounds == null) {
            return null;
        }
        var map = new LinkedHashMap<String, Object>();
        map.put("limits", PolicyJson.toMap(bounds.limits()));
        map.put("models", bounds.models().stream().sorted().toList());
        map.put("policy", PolicyJson.toMap(bounds.policy(), false));
        map.put("maxKeysPerDeveloper", bounds.maxKeysPerDeveloper());
        return map;
    }
}
