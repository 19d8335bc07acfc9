package io.portcullis.gateway.backend.anthropic;

import java.time.InstantSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Whole (non-streamed) answers and errors between Anthropic's Messages API and OpenAI's Chat
 * Completions, both ways. Usage is mapped so that OpenAI's {@code prompt_tokens} counts every
 * input token, as OpenAI does: Anthropic's {@code input_tokens} plus cache reads and cache writes;
 * cache reads become {@code prompt_tokens_details.cached_tokens}, cache writes
 * {@code prompt_tokens_details.cache_write_tokens}.
 */
public final class AnthropicResponses {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private AnthropicResponses() {
    }

    /** An Anthropic message as an OpenAI {@code chat.completion}. */
    public static ObjectNode toChatCompletion(JsonNode message, InstantSource clock) {
        ObjectNode out = JSON.objectNode();
        out.put("id", message.path("id").asString("msg"));
        out.put("object", "chat.completion");
        out.put("created", clock.instant().getEpochSecond());
        out.put("model", message.path("model").asString(""));
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode reply = choice.putObject("message");
        reply.put("role", "assistant");
        var text = new StringBuilder();
        ArrayNode calls = JSON.arrayNode();
        for (JsonNode block : message.path("content")) {
            switch (block.path("type").asString("")) {
                case "text" -> text.append(block.path("text").asString(""));
                case "tool_use" -> {
                    ObjectNode call = calls.addObject();
                    call.put("id", block.path("id").asString(""));
                    call.put("type", "function");
                    call.putObject("function").put("name", block.path("name").asString(""))
                            .put("arguments", block.path("input").toString());
                }
                default -> {
                    // thinking and server-tool blocks have no Chat Completions form
                }
            }
        }
        if (text.isEmpty() && !calls.isEmpty()) {
            reply.putNull("content");
        } else {
            reply.put("content", text.toString());
        }
        if (!calls.isEmpty()) {
            reply.set("tool_calls", calls);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(message.path("stop_reason").asString("end_turn")));
        out.set("usage", usage(message.path("usage")));
        return out;
    }

    /** An OpenAI {@code chat.completion} as an Anthropic message (front door {@code /v1/messages}). */
    public static ObjectNode toMessage(JsonNode completion, String model) {
        ObjectNode out = JSON.objectNode();
        out.put("id", completion.path("id").asString("msg"));
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", model);
        ArrayNode content = out.putArray("content");
        JsonNode choice = completion.path("choices").path(0);
        JsonNode reply = choice.path("message");
        if (reply.path("content").isString() && !reply.path("content").asString().isEmpty()) {
            content.addObject().put("type", "text").put("text", reply.path("content").asString());
        }
        for (JsonNode call : reply.path("tool_calls")) {
            ObjectNode use = content.addObject();
            use.put("type", "tool_use");
            use.put("id", call.path("id").asString(""));
            use.put("name", call.path("function").path("name").asString(""));
            use.set("input", AnthropicStreamEncoder.arguments(call.path("function").path("arguments").asString("{}")));
        }
        out.put("stop_reason", stopReason(choice.path("finish_reason").asString("stop")));
        out.putNull("stop_sequence");
        out.set("usage", anthropicUsage(completion.path("usage")));
        return out;
    }

    /** Anthropic usage as OpenAI usage. */
    public static ObjectNode usage(JsonNode usage) {
        long input = usage.path("input_tokens").asLong(0);
        long cacheRead = usage.path("cache_read_input_tokens").asLong(0);
        long cacheWrite = usage.path("cache_creation_input_tokens").asLong(0);
        long output = usage.path("output_tokens").asLong(0);
        ObjectNode out = JSON.objectNode();
        out.put("prompt_tokens", input + cacheRead + cacheWrite);
        out.put("completion_tokens", output);
        out.put("total_tokens", input + cacheRead + cacheWrite + output);
        ObjectNode details = out.putObject("prompt_tokens_details");
        details.put("cached_tokens", cacheRead);
        details.put("cache_write_tokens", cacheWrite);
        return out;
    }

    /** OpenAI usage as Anthropic usage: cached prompt tokens are cache reads, not input. */
    public static ObjectNode anthropicUsage(JsonNode usage) {
        long prompt = usage.path("prompt_tokens").asLong(0);
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
        ObjectNode out = JSON.objectNode();
        out.put("input_tokens", Math.max(0, prompt - cached));
        out.put("cache_creation_input_tokens", 0);
        out.put("cache_read_input_tokens", cached);
        out.put("output_tokens", usage.path("completion_tokens").asLong(0));
        return out;
    }

    /** Anthropic's stop_reason as OpenAI's finish_reason. */
    public static String finishReason(String stopReason) {
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn
        };
    }

    /** OpenAI's finish_reason as Anthropic's stop_reason. */
    public static String stopReason(String finishReason) {
        return switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }

    /**
     * An Anthropic error body ({@code {"type":"error","error":{"type","message"}}}) in OpenAI's
     * shape; the Anthropic error type becomes the {@code type} and the {@code code}.
     */
    public static ObjectNode toOpenAiError(JsonNode body, int status) {
        JsonNode error = body == null ? JSON.missingNode() : body.path("error");
        String type = error.path("type").asString(status >= 500 ? "api_error" : "invalid_request_error");
        String message = error.path("message").asString("The Anthropic backend answered " + status);
        ObjectNode out = JSON.objectNode();
        ObjectNode e = out.putObject("error");
        e.put("message", message);
        e.put("type", type);
        e.putNull("param");
        e.put("code", type);
        return out;
    }

    /** An OpenAI error body in Anthropic's shape (front door {@code /v1/messages}). */
    public static ObjectNode toAnthropicError(JsonNode body, int status) {
        JsonNode error = body == null ? JSON.missingNode() : body.path("error");
        ObjectNode out = JSON.objectNode();
        out.put("type", "error");
        ObjectNode e = out.putObject("error");
        e.put("type", errorType(status));
        e.put("message", error.path("message").asString("The backend answered " + status));
        return out;
    }

    /** Anthropic's error type for an HTTP status. */
    public static String errorType(int status) {
        return switch (status) {
            case 400, 422 -> "invalid_request_error";
            case 413 -> "request_too_large";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }
}
