package io.portcullis.gateway.backend.gemini;

import io.portcullis.gateway.backend.anthropic.UnsupportedContent;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI request bodies as Gemini API ({@code generativelanguage} v1beta) bodies: chat as
 * {@code generateContent}, embeddings as {@code batchEmbedContents}. Pure functions on JSON trees.
 * Content Gemini cannot take is refused with {@link UnsupportedContent} (a 400), never dropped
 * silently; parameters without a Gemini form that change nothing billable ({@code user},
 * {@code logprobs}, {@code stream_options}) are left out.
 */
public final class GeminiRequests {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private GeminiRequests() {
    }

    /**
     * An OpenAI chat request as a {@code generateContent} body (the same body serves
     * {@code streamGenerateContent}).
     *
     * @param maxOutputTokens {@code generationConfig.maxOutputTokens} to send, or -1 for none: the
     *                        client's limit, else the key's output cap (thinking tokens count in it)
     */
    public static ObjectNode toGenerateContent(JsonNode chat, long maxOutputTokens) {
        ObjectNode out = JSON.objectNode();
        ArrayNode contents = out.putArray("contents");
        ArrayNode system = JSON.arrayNode();
        // a tool message names only its call's id; Gemini's functionResponse wants the function's name
        Map<String, String> callNames = new HashMap<>();
        for (JsonNode message : chat.path("messages")) {
            String role = message.path("role").asString("");
            switch (role) {
                case "system", "developer" -> textParts(message.get("content"), system);
                case "user" -> append(contents, "user", parts(message.get("content")));
                case "assistant" -> {
                    ArrayNode parts = JSON.arrayNode();
                    textParts(message.get("content"), parts);
                    for (JsonNode call : message.path("tool_calls")) {
                        String name = call.path("function").path("name").asString("");
                        callNames.put(call.path("id").asString(""), name);
                        ObjectNode functionCall = parts.addObject().putObject("functionCall");
                        functionCall.put("name", name);
                        functionCall.set("args", arguments(call.path("function").path("arguments").asString("{}")));
                    }
                    append(contents, "model", parts);
                }
                case "tool" -> {
                    String id = message.path("tool_call_id").asString("");
                    String name = callNames.get(id);
                    if (name == null) {
                        throw new UnsupportedContent("Tool message '" + id + "' answers no earlier tool call; Gemini "
                                + "needs the function's name", "messages");
                    }
                    ArrayNode parts = JSON.arrayNode();
                    ObjectNode response = parts.addObject().putObject("functionResponse");
                    response.put("name", name);
                    response.set("response", toolResult(message.get("content")));
                    append(contents, "user", parts);
                }
                default -> throw new UnsupportedContent("Unknown message role '" + role + "'", "messages");
            }
        }
        if (!system.isEmpty()) {
            out.putObject("systemInstruction").set("parts", system);
        }
        tools(chat, out);
        ObjectNode config = generationConfig(chat, maxOutputTokens);
        if (!config.isEmpty()) {
            out.set("generationConfig", config);
        }
        return out;
    }

    /**
     * An OpenAI embeddings request as a {@code batchEmbedContents} body: one request per input
     * string, {@code dimensions} as {@code outputDimensionality}.
     *
     * @param resource the model's resource name ({@code models/gemini-embedding-001})
     */
    public static ObjectNode toBatchEmbed(JsonNode embeddings, String resource) {
        JsonNode input = embeddings.path("input");
        ArrayNode texts = JSON.arrayNode();
        if (input.isString()) {
            texts.add(input.asString());
        } else if (input.isArray() && !input.isEmpty()) {
            for (JsonNode item : input) {
                if (!item.isString()) {
                    throw new UnsupportedContent("Gemini backends embed text only: 'input' must be a string or an "
                            + "array of strings, not token ids", "input");
                }
                texts.add(item.asString());
            }
        } else {
            throw new UnsupportedContent("'input' must be a string or a non-empty array of strings", "input");
        }
        String format = embeddings.path("encoding_format").asString("float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw new UnsupportedContent("'encoding_format' must be 'float' or 'base64'", "encoding_format");
        }
        JsonNode dimensions = embeddings.get("dimensions");
        if (dimensions != null && !dimensions.isNull() && !(dimensions.isIntegralNumber() && dimensions.canConvertToInt()
                && dimensions.intValue() > 0)) {
            throw new UnsupportedContent("'dimensions' must be a positive integer", "dimensions");
        }
        ObjectNode out = JSON.objectNode();
        ArrayNode requests = out.putArray("requests");
        for (JsonNode text : texts) {
            ObjectNode request = requests.addObject();
            request.put("model", resource);
            request.putObject("content").putArray("parts").addObject().put("text", text.asString());
            if (dimensions != null && !dimensions.isNull()) {
                request.put("outputDimensionality", dimensions.intValue());
            }
        }
        return out;
    }

    /** Tools and tool choice: functions only (Gemini's own tools have no OpenAI form). */
    private static void tools(JsonNode chat, ObjectNode out) {
        JsonNode tools = chat.path("tools");
        if (tools.isArray() && !tools.isEmpty()) {
            ArrayNode declarations = out.putArray("tools").addObject().putArray("functionDeclarations");
            for (JsonNode tool : tools) {
                String type = tool.path("type").asString("function");
                if (!type.equals("function")) {
                    throw new UnsupportedContent("Tool type '" + type + "' cannot be sent to a Gemini backend", "tools");
                }
                JsonNode function = tool.path("function");
                ObjectNode declaration = declarations.addObject();
                declaration.put("name", function.path("name").asString(""));
                if (function.path("description").isString()) {
                    declaration.put("description", function.path("description").asString());
                }
                if (function.path("parameters").isObject()) {
                    // JSON Schema as OpenAI clients write it (additionalProperties, $defs...), which
                    // Gemini's OpenAPI-subset "parameters" field would refuse
                    declaration.set("parametersJsonSchema", function.get("parameters").deepCopy());
                }
            }
        }
        JsonNode choice = chat.get("tool_choice");
        if (choice == null || choice.isNull()) {
            return;
        }
        ObjectNode calling = out.putObject("toolConfig").putObject("functionCallingConfig");
        if (choice.isString()) {
            calling.put("mode", switch (choice.asString()) {
                case "none" -> "NONE";
                case "required" -> "ANY";
                default -> "AUTO";
            });
        } else {
            calling.put("mode", "ANY");
            calling.putArray("allowedFunctionNames").add(choice.path("function").path("name").asString(""));
        }
    }

    private static ObjectNode generationConfig(JsonNode chat, long maxOutputTokens) {
        ObjectNode config = JSON.objectNode();
        if (maxOutputTokens > 0) {
            config.put("maxOutputTokens", maxOutputTokens);
        }
        copy(chat, "temperature", config, "temperature");
        copy(chat, "top_p", config, "topP");
        copy(chat, "presence_penalty", config, "presencePenalty");
        copy(chat, "frequency_penalty", config, "frequencyPenalty");
        copy(chat, "seed", config, "seed");
        if (chat.path("n").asInt(1) != 1) {
            config.put("candidateCount", chat.path("n").asInt());
        }
        JsonNode stop = chat.get("stop");
        if (stop != null && stop.isString()) {
            config.putArray("stopSequences").add(stop.asString());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            config.set("stopSequences", stop.deepCopy());
        }
        JsonNode format = chat.path("response_format");
        switch (format.path("type").asString("text")) {
            case "text" -> {
            }
            case "json_object" -> config.put("responseMimeType", "application/json");
            case "json_schema" -> {
                config.put("responseMimeType", "application/json");
                if (format.path("json_schema").path("schema").isObject()) {
                    config.set("responseJsonSchema", format.path("json_schema").path("schema").deepCopy());
                }
            }
            default -> throw new UnsupportedContent("Gemini backends do not support response_format '"
                    + format.path("type").asString() + "'", "response_format");
        }
        return config;
    }

    /** Gemini wants turns to alternate: consecutive turns of one role become one. */
    private static void append(ArrayNode contents, String role, ArrayNode parts) {
        if (parts.isEmpty()) {
            return;
        }
        JsonNode last = contents.isEmpty() ? null : contents.get(contents.size() - 1);
        if (last != null && last.path("role").asString().equals(role)) {
            ((ArrayNode) last.get("parts")).addAll(parts);
            return;
        }
        ObjectNode turn = contents.addObject();
        turn.put("role", role);
        turn.set("parts", parts);
    }

    /** OpenAI user content (a string or parts) as Gemini parts. */
    private static ArrayNode parts(JsonNode content) {
        ArrayNode parts = JSON.arrayNode();
        if (content == null || content.isNull() || content.isString()) {
            textParts(content, parts);
            return parts;
        }
        for (JsonNode part : content) {
            String type = part.path("type").asString("");
            switch (type) {
                case "text" -> parts.addObject().put("text", part.path("text").asString(""));
                case "image_url" -> {
                    String url = part.path("image_url").isString() ? part.path("image_url").asString()
                            : part.path("image_url").path("url").asString("");
                    if (!url.startsWith("data:")) {
                        throw new UnsupportedContent("Gemini backends take images inline only: send the image as a "
                                + "data: URL (base64), not a link", "messages");
                    }
                    inline(parts, url);
                }
                case "input_audio" -> {
                    String format = part.path("input_audio").path("format").asString("").toLowerCase(Locale.ROOT);
                    if (!format.matches("[a-z0-9.+-]{1,20}")) {
                        throw new UnsupportedContent("input_audio needs a 'format' such as wav or mp3", "messages");
                    }
                    ObjectNode data = parts.addObject().putObject("inlineData");
                    data.put("mimeType", "audio/" + format);
                    data.put("data", part.path("input_audio").path("data").asString(""));
                }
                case "file" -> {
                    String fileData = part.path("file").path("file_data").asString("");
                    if (!fileData.startsWith("data:")) {
                        throw new UnsupportedContent("Gemini backends take files inline only: send 'file_data' as a "
                                + "data: URL (base64); file ids are OpenAI's", "messages");
                    }
                    inline(parts, fileData);
                }
                default -> throw new UnsupportedContent("Content part type '" + type
                        + "' cannot be sent to a Gemini backend", "messages");
            }
        }
        return parts;
    }

    /** A {@code data:<mime>;base64,<data>} URL as an {@code inlineData} part. */
    private static void inline(ArrayNode parts, String url) {
        int comma = url.indexOf(',');
        String meta = url.substring(5, Math.max(5, comma));
        if (comma < 0 || !meta.endsWith(";base64") || meta.length() == ";base64".length()) {
            throw new UnsupportedContent("Data URLs must be base64 with a media type (data:image/png;base64,...)",
                    "messages");
        }
        ObjectNode data = parts.addObject().putObject("inlineData");
        data.put("mimeType", meta.substring(0, meta.length() - ";base64".length()));
        data.put("data", url.substring(comma + 1));
    }

    /** Text content (a string or text parts) as text parts; anything else is refused. */
    private static void textParts(JsonNode content, ArrayNode parts) {
        if (content == null || content.isNull()) {
            return;
        }
        if (content.isString()) {
            if (!content.asString().isEmpty()) {
                parts.addObject().put("text", content.asString());
            }
            return;
        }
        for (JsonNode part : content) {
            String type = part.path("type").asString("");
            if (!type.equals("text") && !type.equals("refusal")) {
                throw new UnsupportedContent("Only text can be sent in system, developer and assistant messages to a "
                        + "Gemini backend", "messages");
            }
            String text = part.path(type.equals("text") ? "text" : "refusal").asString("");
            if (!text.isEmpty()) {
                parts.addObject().put("text", text);
            }
        }
    }

    /** A tool's result as Gemini's {@code response} object: the JSON object it is, or its text. */
    private static JsonNode toolResult(JsonNode content) {
        String text;
        if (content != null && content.isString()) {
            text = content.asString();
        } else {
            ArrayNode parts = JSON.arrayNode();
            textParts(content, parts);
            var joined = new StringBuilder();
            parts.forEach(p -> joined.append(p.path("text").asString("")));
            text = joined.toString();
        }
        try {
            JsonNode parsed = JsonMapper.shared().readTree(text);
            if (parsed != null && parsed.isObject()) {
                return parsed;
            }
        } catch (JacksonException e) {
            // plain text: wrapped below
        }
        return JSON.objectNode().put("content", text);
    }

    private static JsonNode arguments(String arguments) {
        try {
            JsonNode parsed = JsonMapper.shared().readTree(arguments.isBlank() ? "{}" : arguments);
            if (parsed != null && parsed.isObject()) {
                return parsed;
            }
        } catch (JacksonException e) {
            // refused below
        }
        throw new UnsupportedContent("Tool call arguments must be a JSON object", "messages");
    }

    private static void copy(JsonNode from, String field, ObjectNode to, String as) {
        JsonNode value = from.get(field);
        if (value != null && !value.isNull()) {
            to.set(as, value.deepCopy());
        }
    }
}
