package io.portcullis.gateway.backend.anthropic;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns one Anthropic Messages stream into OpenAI {@code chat.completion.chunk}s, event by event:
 * {@code message_start} → a role chunk; text and tool-argument deltas → content and
 * {@code tool_calls} deltas; {@code message_delta} → the finish reason; {@code message_stop} →
 * a usage chunk ({@code choices: []}, as OpenAI sends with {@code include_usage}) and
 * {@code [DONE]}; an {@code error} event → an OpenAI error object. {@code ping} and thinking
 * deltas have no OpenAI form and are dropped. One instance per stream.
 */
public final class AnthropicStreamDecoder {

    /** The payload that ends an OpenAI stream. */
    public static final String DONE = "[DONE]";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final long created;
    private String id = "msg";
    private String model = "";
    private JsonNode startUsage = JSON.objectNode();
    private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();

    public AnthropicStreamDecoder(InstantSource clock) {
        this.created = clock.instant().getEpochSecond();
    }

    /** @return the data payloads of the OpenAI events to send for this Anthropic event, in order */
    public List<String> onEvent(JsonNode event) {
        List<String> out = new ArrayList<>(2);
        switch (event.path("type").asString("")) {
            case "message_start" -> {
                JsonNode message = event.path("message");
                id = message.path("id").asString(id);
                model = message.path("model").asString(model);
                startUsage = message.path("usage");
                ObjectNode delta = JSON.objectNode().put("role", "assistant").put("content", "");
                out.add(chunk(delta, null).toString());
            }
            case "content_block_start" -> {
                JsonNode block = event.path("content_block");
                if (block.path("type").asString("").equals("tool_use")) {
                    int toolIndex = toolIndexByBlock.size();
                    toolIndexByBlock.put(event.path("index").asInt(), toolIndex);
                    ObjectNode call = JSON.objectNode();
                    call.put("index", toolIndex);
                    call.put("id", block.path("id").asString(""));
                    call.put("type", "function");
                    call.putObject("function").put("name", block.path("name").asString("")).put("arguments", "");
                    ObjectNode delta = JSON.objectNode();
                    delta.putArray("tool_calls").add(call);
                    out.add(chunk(delta, null).toString());
                } else if (block.path("type").asString("").equals("text")
                        && !block.path("text").asString("").isEmpty()) {
                    out.add(chunk(JSON.objectNode().put("content", block.path("text").asString()), null).toString());
                }
            }
            case "content_block_delta" -> {
                JsonNode delta = event.path("delta");
                switch (delta.path("type").asString("")) {
                    case "text_delta" -> out.add(chunk(JSON.objectNode().put("content",
                            delta.path("text").asString("")), null).toString());
                    case "input_json_delta" -> {
                        Integer toolIndex = toolIndexByBlock.get(event.path("index").asInt());
                        if (toolIndex != null) {
                            ObjectNode call = JSON.objectNode();
                            call.put("index", toolIndex);
                            call.putObject("function").put("arguments", delta.path("partial_json").asString(""));
                            ObjectNode d = JSON.objectNode();
                            d.putArray("tool_calls").add(call);
                            out.add(chunk(d, null).toString());
                        }
                    }
                    default -> {
                        // thinking_delta, signature_delta, citations: nothing in Chat Completions
                    }
                }
            }
            case "message_delta" -> {
                String stop = event.path("delta").path("stop_reason").asString(null);
                if (stop != null) {
                    out.add(chunk(JSON.objectNode(), AnthropicResponses.finishReason(stop)).toString());
                }
                // message_delta carries the final counts; input counts only arrived in message_start
                ObjectNode merged = startUsage.isObject() ? ((ObjectNode) startUsage).deepCopy() : JSON.objectNode();
                event.path("usage").properties().forEach(e -> {
                    if (!e.getValue().isNull()) {
                        merged.set(e.getKey(), e.getValue());
                    }
                });
                startUsage = merged;
            }
            case "message_stop" -> {
                ObjectNode usageChunk = base();
                usageChunk.putArray("choices");
                usageChunk.set("usage", AnthropicResponses.usage(startUsage));
                out.add(usageChunk.toString());
                out.add(DONE);
            }
            case "error" -> {
                JsonNode error = event.path("error");
                ObjectNode body = JSON.objectNode();
                ObjectNode e = body.putObject("error");
                e.put("message", error.path("message").asString("The Anthropic backend failed mid-stream"));
                e.put("type", error.path("type").asString("api_error"));
                e.putNull("param");
                e.put("code", error.path("type").asString("api_error"));
                out.add(body.toString());
            }
            default -> {
                // ping, content_block_stop and unknown events: nothing to send
            }
        }
        return out;
    }

    /** Token counts seen so far, in OpenAI's usage shape. */
    public ObjectNode usage() {
        return AnthropicResponses.usage(startUsage);
    }

    private ObjectNode chunk(ObjectNode delta, String finishReason) {
        ObjectNode chunk = base();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return chunk;
    }

    private ObjectNode base() {
        ObjectNode chunk = JSON.objectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        return chunk;
    }
}
