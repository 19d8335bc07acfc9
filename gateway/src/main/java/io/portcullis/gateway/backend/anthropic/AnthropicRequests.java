package io.portcullis.gateway.backend.anthropic;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Request bodies between OpenAI's Chat Completions and Anthropic's Messages API, both ways. Pure
 * functions on JSON trees: no I/O, no Spring. Content the target cannot take is refused with
 * {@link UnsupportedContent} rather than dropped silently.
 *
 * <p>Slightly over 350 lines and kept as one unit on purpose: the two directions are mirror
 * images of one mapping table (docs/backends.md), and reading them side by side is how a change
 * to one direction is checked against the other.
 */
public final class AnthropicRequests {

    /** The Messages API version the gateway speaks (header {@code anthropic-version}). */
    public static final String API_VERSION = "2023-06-01";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private AnthropicRequests() {
    }

    /**
     * An OpenAI chat request as an Anthropic Messages request.
     *
     * @param defaultMaxTokens {@code max_tokens} to send when the client set none (Anthropic requires it)
     */
    public static ObjectNode toMessages(JsonNode chat, String upstreamModel, long defaultMaxTokens) {
        ObjectNode out = JSON.objectNode();
        out.put("model", upstreamModel);
        long maxTokens = chat.path("max_completion_tokens").asLong(chat.path("max_tokens").asLong(defaultMaxTokens));
        out.put("max_tokens", maxTokens);
        if (chat.path("n").asInt(1) != 1) {
            throw new UnsupportedContent("Anthropic backends answer one choice per request; 'n' must be 1", "n");
        }
        String format = chat.path("response_format").path("type").asString("text");
        if (!format.equals("text")) {
            throw new UnsupportedContent("Anthropic backends do not support response_format '" + format + "'",
                    "response_format");
        }
        List<String> system = new ArrayList<>();
        ArrayNode messages = out.putArray("messages");
        for (JsonNode message : chat.path("messages")) {
            String role = message.path("role").asString("");
            switch (role) {
                case "system", "developer" -> system.add(textOf(message.get("content")));
                case "user" -> append(messages, "user", blocksOf(message.get("content")));
                case "assistant" -> {
                    ArrayNode blocks = blocksOf(message.get("content"));
                    for (JsonNode call : message.path("tool_calls")) {
                        ObjectNode use = blocks.addObject();
                        use.put("type", "tool_use");
                        use.put("id", call.path("id").asString(""));
                        use.put("name", call.path("function").path("name").asString(""));
                        use.set("input", parseArguments(call.path("function").path("arguments").asString("{}")));
                    }
                    append(messages, "assistant", blocks);
                }
                case "tool" -> {
                    ArrayNode blocks = JSON.arrayNode();
                    ObjectNode result = blocks.addObject();
                    result.put("type", "tool_result");
                    result.put("tool_use_id", message.path("tool_call_id").asString(""));
                    result.put("content", textOf(message.get("content")));
                    append(messages, "user", blocks);
                }
                default -> throw new UnsupportedContent("Unknown message role '" + role + "'", "messages");
            }
        }
        if (!system.isEmpty()) {
            out.put("system", String.join("\n\n", system));
        }
        copy(chat, "temperature", out, "temperature");
        copy(chat, "top_p", out, "top_p");
        copy(chat, "stream", out, "stream");
        JsonNode stop = chat.get("stop");
        if (stop != null && stop.isString()) {
            out.putArray("stop_sequences").add(stop.asString());
        } else if (stop != null && stop.isArray()) {
            out.set("stop_sequences", stop.deepCopy());
        }
        if (chat.path("user").isString()) {
            out.putObject("metadata").put("user_id", chat.path("user").asString());
        }
        if (chat.path("tools").isArray() && !chat.path("tools").isEmpty()) {
            ArrayNode tools = out.putArray("tools");
            for (JsonNode tool : chat.path("tools")) {
                JsonNode function = tool.path("function");
                ObjectNode t = tools.addObject();
                t.put("name", function.path("name").asString(""));
                if (function.has("description")) {
                    t.put("description", function.path("description").asString(""));
                }
                t.set("input_schema", function.has("parameters") ? function.get("parameters").deepCopy()
                        : JSON.objectNode().put("type", "object"));
            }
        }
        JsonNode choice = chat.get("tool_choice");
        if (choice != null && !choice.isNull()) {
            ObjectNode c = out.putObject("tool_choice");
            if (choice.isString()) {
                c.put("type", switch (choice.asString()) {
                    case "required" -> "any";
                    case "none" -> "none";
                    default -> "auto";
                });
            } else {
                c.put("type", "tool");
                c.put("name", choice.path("function").path("name").asString(""));
            }
        }
        return out;
    }

    /**
     * An Anthropic Messages request as an OpenAI chat request (the front door {@code /v1/messages}).
     *
     * @throws UnsupportedContent when the request holds something an OpenAI-compatible backend cannot take
     */
    public static ObjectNode toChat(JsonNode request) {
        List<UnsupportedContent> problems = new ArrayList<>();
        ObjectNode chat = toChat(request, problems);
        if (!problems.isEmpty()) {
            throw problems.getFirst();
        }
        return chat;
    }

    /**
     * The same, never failing: content without an OpenAI form is copied as it is (so that policy
     * still sees it, e.g. as a file) and reported in {@code problems}. The gateway uses this form
     * because the request may yet go natively to an Anthropic backend, which takes everything.
     */
    public static ObjectNode toChat(JsonNode request, List<UnsupportedContent> problems) {
        ObjectNode out = JSON.objectNode();
        out.set("model", request.get("model"));
        copy(request, "max_tokens", out, "max_tokens");
        copy(request, "temperature", out, "temperature");
        copy(request, "top_p", out, "top_p");
        copy(request, "stream", out, "stream");
        copy(request, "stop_sequences", out, "stop");
        if (request.path("metadata").path("user_id").isString()) {
            out.put("user", request.path("metadata").path("user_id").asString());
        }
        ArrayNode messages = out.putArray("messages");
        JsonNode system = request.get("system");
        if (system != null && !system.isNull()) {
            messages.addObject().put("role", "system").put("content", anthropicText(system, problems));
        }
        for (JsonNode message : request.path("messages")) {
            String role = message.path("role").asString("");
            JsonNode content = message.get("content");
            if (content != null && content.isString()) {
                messages.addObject().put("role", role).put("content", content.asString());
                continue;
            }
            ArrayNode parts = JSON.arrayNode();
            ArrayNode toolCalls = JSON.arrayNode();
            for (JsonNode block : content == null ? JSON.arrayNode() : content) {
                String type = block.path("type").asString("");
                switch (type) {
                    case "text" -> parts.addObject().put("type", "text").put("text", block.path("text").asString(""));
                    case "image" -> {
                        JsonNode source = block.path("source");
                        String url = switch (source.path("type").asString("")) {
                            case "base64" -> "data:" + source.path("media_type").asString("image/png") + ";base64,"
                                    + source.path("data").asString("");
                            case "url" -> source.path("url").asString("");
                            default -> null;
                        };
                        if (url == null) {
                            problems.add(new UnsupportedContent("Image source type '" + source.path("type").asString("")
                                    + "' cannot be sent to an OpenAI-compatible backend", "messages"));
                            parts.add(block.deepCopy());
                        } else {
                            ObjectNode part = parts.addObject().put("type", "image_url");
                            part.putObject("image_url").put("url", url);
                        }
                    }
                    case "tool_use" -> {
                        ObjectNode call = toolCalls.addObject();
                        call.put("id", block.path("id").asString(""));
                        call.put("type", "function");
                        call.putObject("function").put("name", block.path("name").asString(""))
                                .put("arguments", block.path("input").toString());
                    }
                    case "tool_result" -> messages.addObject().put("role", "tool")
                            .put("tool_call_id", block.path("tool_use_id").asString(""))
                            .put("content", anthropicText(block.get("content"), problems));
                    case "thinking", "redacted_thinking" -> {
                        // the backend cannot read Anthropic's signed thinking; it is context only
                    }
                    default -> {
                        problems.add(new UnsupportedContent("Content block type '" + type
                                + "' cannot be sent to an OpenAI-compatible backend", "messages"));
                        parts.add(block.deepCopy());
                    }
                }
            }
            if (parts.isEmpty() && toolCalls.isEmpty()) {
                continue;
            }
            ObjectNode m = messages.addObject().put("role", role);
            if (parts.isEmpty()) {
                m.putNull("content");
            } else if (parts.size() == 1 && parts.get(0).path("type").asString().equals("text")) {
                m.put("content", parts.get(0).path("text").asString());
            } else {
                m.set("content", parts);
            }
            if (!toolCalls.isEmpty()) {
                m.set("tool_calls", toolCalls);
            }
        }
        if (request.path("tools").isArray() && !request.path("tools").isEmpty()) {
            ArrayNode tools = out.putArray("tools");
            for (JsonNode tool : request.path("tools")) {
                ObjectNode function = tools.addObject().put("type", "function").putObject("function");
                function.put("name", tool.path("name").asString(""));
                if (tool.has("description")) {
                    function.put("description", tool.path("description").asString(""));
                }
                if (tool.has("input_schema")) {
                    function.set("parameters", tool.get("input_schema").deepCopy());
                }
            }
        }
        JsonNode choice = request.get("tool_choice");
        if (choice != null && choice.isObject()) {
            switch (choice.path("type").asString("auto")) {
                case "any" -> out.put("tool_choice", "required");
                case "none" -> out.put("tool_choice", "none");
                case "tool" -> {
                    ObjectNode c = out.putObject("tool_choice").put("type", "function");
                    c.putObject("function").put("name", choice.path("name").asString(""));
                }
                default -> out.put("tool_choice", "auto");
            }
        }
        return out;
    }

    /** Anthropic needs alternating roles: consecutive messages of one role become one. */
    private static void append(ArrayNode messages, String role, ArrayNode blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (last != null && last.path("role").asString().equals(role)) {
            ((ArrayNode) last.get("content")).addAll(blocks);
            return;
        }
        ObjectNode m = messages.addObject();
        m.put("role", role);
        m.set("content", blocks);
    }

    /** OpenAI content (a string or parts) as Anthropic content blocks. */
    private static ArrayNode blocksOf(JsonNode content) {
        ArrayNode blocks = JSON.arrayNode();
        if (content == null || content.isNull()) {
            return blocks;
        }
        if (content.isString()) {
            if (!content.asString().isEmpty()) {
                blocks.addObject().put("type", "text").put("text", content.asString());
            }
            return blocks;
        }
        for (JsonNode part : content) {
            String type = part.path("type").asString("");
            switch (type) {
                case "text" -> blocks.addObject().put("type", "text").put("text", part.path("text").asString(""));
                case "image_url" -> {
                    String url = part.path("image_url").isString() ? part.path("image_url").asString()
                            : part.path("image_url").path("url").asString("");
                    ObjectNode source = blocks.addObject().put("type", "image").putObject("source");
                    if (url.startsWith("data:")) {
                        int comma = url.indexOf(',');
                        String meta = url.substring(5, Math.max(5, comma));
                        if (comma < 0 || !meta.endsWith(";base64")) {
                            throw new UnsupportedContent("Image data URIs must be base64", "messages");
                        }
                        source.put("type", "base64");
                        source.put("media_type", meta.substring(0, meta.length() - ";base64".length()));
                        source.put("data", url.substring(comma + 1));
                    } else {
                        source.put("type", "url");
                        source.put("url", url);
                    }
                }
                case "input_audio" -> throw new UnsupportedContent(
                        "Anthropic backends do not accept audio input", "messages");
                default -> throw new UnsupportedContent("Content part type '" + type
                        + "' cannot be sent to an Anthropic backend", "messages");
            }
        }
        return blocks;
    }

    /** The text of OpenAI content: the string, or its text parts joined. */
    private static String textOf(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isString()) {
            return content.asString();
        }
        var text = new StringBuilder();
        for (JsonNode part : content) {
            if (part.path("type").asString("").equals("text")) {
                text.append(part.path("text").asString(""));
            } else {
                throw new UnsupportedContent("Only text can be sent in system and tool messages", "messages");
            }
        }
        return text.toString();
    }

    /** The text of Anthropic content: a string or text blocks. */
    private static String anthropicText(JsonNode content, List<UnsupportedContent> problems) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isString()) {
            return content.asString();
        }
        var text = new StringBuilder();
        for (JsonNode block : content) {
            if (block.path("type").asString("").equals("text")) {
                text.append(block.path("text").asString(""));
            } else {
                problems.add(new UnsupportedContent("Only text can be sent in system prompts and tool results to an "
                        + "OpenAI-compatible backend", "messages"));
            }
        }
        return text.toString();
    }

    private static JsonNode parseArguments(String arguments) {
        try {
            JsonNode parsed = tools.jackson.databind.json.JsonMapper.shared().readTree(arguments);
            return parsed.isObject() ? parsed : JSON.objectNode();
        } catch (tools.jackson.core.JacksonException e) {
            throw new UnsupportedContent("Tool call arguments must be a JSON object", "messages");
        }
    }

    private static void copy(JsonNode from, String field, ObjectNode to, String as) {
        JsonNode value = from.get(field);
        if (value != null && !value.isNull()) {
            to.set(as, value.deepCopy());
        }
    }
}
