package io.portcullis.gateway.backend.anthropic;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns an OpenAI chat stream (with {@code include_usage}) into Anthropic Messages events for the
 * front door {@code /v1/messages}: {@code message_start}, then for each text run or tool call a
 * {@code content_block_start}, its deltas and {@code content_block_stop}, then
 * {@code message_delta} (stop reason and usage) and {@code message_stop}. One instance per stream;
 * each returned string is a whole SSE event ({@code event:} and {@code data:} lines).
 */
public final class AnthropicStreamEncoder {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final String model;
    private boolean started;
    private boolean finished;
    private int blockIndex = -1;
    private String openBlock; // "text", "tool_use" or null
    private int openToolIndex = -1;
    private String stopReason = "end_turn";
    private JsonNode usage = JSON.objectNode();

    public AnthropicStreamEncoder(String model) {
        this.model = model;
    }

    /** The events for one OpenAI chunk (already parsed); the usage-only chunk only updates the counts. */
    public List<String> onChunk(JsonNode chunk) {
        List<String> out = new ArrayList<>(3);
        if (chunk.has("error")) {
            ObjectNode error = JSON.objectNode().put("type", "error");
            error.putObject("error").put("type", "api_error")
                    .put("message", chunk.path("error").path("message").asString("The backend failed mid-stream"));
            out.add(event("error", error));
            finished = true;
            return out;
        }
        start(chunk, out);
        if (chunk.path("usage").isObject()) {
            usage = chunk.path("usage");
        }
        for (JsonNode choice : chunk.path("choices")) {
            JsonNode delta = choice.path("delta");
            String text = delta.path("content").asString("");
            if (!text.isEmpty()) {
                if (!"text".equals(openBlock)) {
                    closeBlock(out);
                    openBlock = "text";
                    blockIndex++;
                    ObjectNode start = JSON.objectNode().put("type", "content_block_start").put("index", blockIndex);
                    start.putObject("content_block").put("type", "text").put("text", "");
                    out.add(event("content_block_start", start));
                }
                ObjectNode d = JSON.objectNode().put("type", "content_block_delta").put("index", blockIndex);
                d.putObject("delta").put("type", "text_delta").put("text", text);
                out.add(event("content_block_delta", d));
            }
            for (JsonNode call : delta.path("tool_calls")) {
                int toolIndex = call.path("index").asInt(0);
                if (!"tool_use".equals(openBlock) || toolIndex != openToolIndex) {
                    closeBlock(out);
                    openBlock = "tool_use";
                    openToolIndex = toolIndex;
                    blockIndex++;
                    ObjectNode start = JSON.objectNode().put("type", "content_block_start").put("index", blockIndex);
                    start.putObject("content_block").put("type", "tool_use")
                            .put("id", call.path("id").asString("toolu_" + toolIndex))
                            .put("name", call.path("function").path("name").asString(""))
                            .putObject("input");
                    out.add(event("content_block_start", start));
                }
                String arguments = call.path("function").path("arguments").asString("");
                if (!arguments.isEmpty()) {
                    ObjectNode d = JSON.objectNode().put("type", "content_block_delta").put("index", blockIndex);
                    d.putObject("delta").put("type", "input_json_delta").put("partial_json", arguments);
                    out.add(event("content_block_delta", d));
                }
            }
            String finish = choice.path("finish_reason").asString(null);
            if (finish != null) {
                stopReason = AnthropicResponses.stopReason(finish);
            }
        }
        return out;
    }

    /** The closing events, at {@code [DONE]} or the end of the upstream stream. */
    public List<String> finish() {
        List<String> out = new ArrayList<>(4);
        if (finished) {
            return out;
        }
        finished = true;
        start(JSON.objectNode(), out);
        closeBlock(out);
        ObjectNode delta = JSON.objectNode().put("type", "message_delta");
        delta.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
        delta.set("usage", AnthropicResponses.anthropicUsage(usage));
        out.add(event("message_delta", delta));
        out.add(event("message_stop", JSON.objectNode().put("type", "message_stop")));
        return out;
    }

    private void start(JsonNode chunk, List<String> out) {
        if (started) {
            return;
        }
        started = true;
        ObjectNode start = JSON.objectNode().put("type", "message_start");
        ObjectNode message = start.putObject("message");
        message.put("id", chunk.path("id").asString("msg"));
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", model);
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
        out.add(event("message_start", start));
    }

    private void closeBlock(List<String> out) {
        if (openBlock != null) {
            out.add(event("content_block_stop", JSON.objectNode().put("type", "content_block_stop")
                    .put("index", blockIndex)));
            openBlock = null;
            openToolIndex = -1;
        }
    }

    private static String event(String name, ObjectNode data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    /** Tool-call arguments (a JSON string in OpenAI) as Anthropic's {@code input} object. */
    static JsonNode arguments(String arguments) {
        try {
            JsonNode parsed = JsonMapper.shared().readTree(arguments);
            return parsed.isObject() ? parsed : JSON.objectNode();
        } catch (JacksonException e) {
            return JSON.objectNode().put("arguments", arguments);
        }
    }
}
