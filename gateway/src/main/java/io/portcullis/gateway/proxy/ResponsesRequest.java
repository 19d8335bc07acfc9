package io.portcullis.gateway.proxy;

import io.portcullis.gateway.web.ApiError;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the gateway must know of a Responses API body ({@code POST /v1/responses}) beyond what
 * every endpoint has: which stored response it continues, whether its answer is stored, and which
 * provider-hosted tools it asks for. Checked when the body is parsed, so a refusal costs no
 * backend call.
 *
 * <p>Refused outright (400), because they reach into what the upstream account stores, where no
 * key owns anything and the gateway cannot see the content: {@code conversation} (a stored
 * conversation), input items that only reference a stored item by id ({@code item_reference}),
 * and {@code background} (its usage is only known to a later poll, so it could not be billed).
 *
 * @param previousResponseId the stored response this one continues, or null
 * @param store              whether the backend keeps the answer (the API's default: true)
 * @param hostedTools        tool types other than {@code function} and {@code custom}, from
 *                           {@code tools} and {@code tool_choice}
 */
record ResponsesRequest(String previousResponseId, boolean store, Set<String> hostedTools) {

    /**
     * Output limits: the API's own, and the chat names, which servers other than OpenAI's that
     * implement {@code /v1/responses} may honour, so a cap cannot be dodged through them.
     */
    static final List<String> OUTPUT_LIMIT_FIELDS = List.of("max_output_tokens", "max_tokens", "max_completion_tokens");
    /** Tool types the client runs itself: no fee upstream beyond tokens. */
    private static final Set<String> CLIENT_TOOLS = Set.of("function", "custom");
    /** The shape of a tool type; anything else is refused, so a refusal can name it safely. */
    private static final Pattern TOOL_TYPE = Pattern.compile("[a-z0-9_.-]{1,64}");

    static ResponsesRequest of(ObjectNode json) {
        JsonNode input = json.get("input");
        if (input != null && !input.isNull()) {
            if (input.isArray()) {
                for (JsonNode item : input) {
                    checkItem(item);
                }
            } else if (!input.isString()) {
                throw invalid("'input' must be a string or an array of input items", "input");
            }
        }
        if (present(json, "conversation")) {
            throw invalid("'conversation' is not supported through this gateway: a stored conversation belongs to"
                    + " no key; send the items as 'input', or continue with 'previous_response_id'", "conversation");
        }
        if (flag(json, "background", false)) {
            throw invalid("'background' is not supported through this gateway: a background response's usage is"
                    + " only known later, so it could not be billed", "background");
        }
        String previous = null;
        JsonNode previousNode = json.get("previous_response_id");
        if (previousNode != null && !previousNode.isNull()) {
            if (!previousNode.isString() || previousNode.stringValue().isBlank()) {
                throw invalid("'previous_response_id' must be a non-empty string", "previous_response_id");
            }
            previous = previousNode.stringValue();
        }
        Set<String> hosted = new LinkedHashSet<>();
        JsonNode tools = json.get("tools");
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) {
                throw invalid("'tools' must be an array", "tools");
            }
            for (JsonNode tool : tools) {
                hosted(toolType(tool, "tools"), hosted);
            }
        }
        JsonNode choice = json.get("tool_choice");
        if (choice != null && choice.isObject()) {
            String type = toolType(choice, "tool_choice");
            if (type.equals("allowed_tools")) {
                for (JsonNode tool : choice.path("tools")) {
                    hosted(toolType(tool, "tool_choice"), hosted);
                }
            } else {
                hosted(type, hosted);
            }
        }
        return new ResponsesRequest(previous, flag(json, "store", true), hosted);
    }

    /** An input item must carry its content: one that only points at a stored item is refused. */
    private static void checkItem(JsonNode item) {
        if (!item.isObject()) {
            throw invalid("Every element of 'input' must be an object (an input item)", "input");
        }
        String type = item.path("type").asString("");
        // the API accepts {"id": ...} without a type as an item reference
        if (type.equals("item_reference") || (!item.has("type") && !item.has("role"))) {
            throw invalid("Input items that reference a stored item by id are not supported through this gateway;"
                    + " send the item itself, or continue with 'previous_response_id'", "input");
        }
    }

    private static String toolType(JsonNode tool, String param) {
        JsonNode type = tool.get("type");
        if (!tool.isObject() || type == null || !type.isString() || !TOOL_TYPE.matcher(type.stringValue()).matches()) {
            throw invalid("Every tool needs a 'type' such as \"function\" or \"web_search\"", param);
        }
        return type.stringValue();
    }

    private static void hosted(String type, Set<String> hosted) {
        if (!CLIENT_TOOLS.contains(type) && !type.equals("allowed_tools")) {
            hosted.add(type);
        }
    }

    private static boolean present(ObjectNode json, String field) {
        JsonNode value = json.get(field);
        return value != null && !value.isNull();
    }

    private static boolean flag(ObjectNode json, String field, boolean absent) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return absent;
        }
        if (!value.isBoolean()) {
            throw invalid("'" + field + "' must be a boolean", field);
        }
        return value.booleanValue();
    }

    private static RuntimeException invalid(String message, String param) {
        return ApiError.invalidRequest(message, param).toException();
    }
}
