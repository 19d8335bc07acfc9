package io.portcullis.gateway.backend.gemini;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Whole Gemini answers in OpenAI's shapes: {@code generateContent} as a {@code chat.completion},
 * {@code batchEmbedContents} as an embeddings list, {@code usageMetadata} as OpenAI usage.
 *
 * <p>Usage: {@code prompt_tokens} = {@code promptTokenCount} + {@code toolUsePromptTokenCount};
 * {@code cached_tokens} = {@code cachedContentTokenCount} (already inside the prompt count);
 * {@code completion_tokens} = {@code candidatesTokenCount} + {@code thoughtsTokenCount}, since
 * Google bills thinking as output and leaves it out of the candidates count;
 * {@code reasoning_tokens} = {@code thoughtsTokenCount}.
 */
public final class GeminiResponses {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private GeminiResponses() {
    }

    /**
     * A {@code generateContent} answer as a {@code chat.completion}: one choice per candidate, text
     * parts joined (thought summaries left out), {@code functionCall} parts as {@code tool_calls}.
     *
     * @param id      the completion's id when Google gave no {@code responseId}
     * @param model   the model name to show when Google gave no {@code modelVersion}
     * @param created seconds since the epoch
     */
    public static ObjectNode toChatCompletion(JsonNode response, String id, String model, long created) {
        ObjectNode out = JSON.objectNode();
        out.put("id", "chatcmpl-" + response.path("responseId").asString(id));
        out.put("object", "chat.completion");
        out.put("created", created);
        out.put("model", response.path("modelVersion").asString(model));
        ArrayNode choices = out.putArray("choices");
        for (JsonNode candidate : response.path("candidates")) {
            int index = candidate.path("index").asInt(choices.size());
            ObjectNode choice = choices.addObject();
            choice.put("index", index);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            var text = new StringBuilder();
            ArrayNode calls = JSON.arrayNode();
            for (JsonNode part : candidate.path("content").path("parts")) {
                if (part.path("thought").asBoolean(false)) {
                    continue;
                }
                if (part.path("text").isString()) {
                    text.append(part.path("text").asString());
                } else if (part.path("functionCall").isObject()) {
                    calls.add(toolCall(part.get("functionCall"), index, calls.size()));
                }
            }
            if (text.isEmpty() && !calls.isEmpty()) {
                message.putNull("content");
            } else {
                message.put("content", text.toString());
            }
            if (!calls.isEmpty()) {
                message.set("tool_calls", calls);
            }
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(candidate.path("finishReason").asString("STOP"), !calls.isEmpty()));
        }
        if (choices.isEmpty()) {
            // the prompt itself was blocked (promptFeedback.blockReason): no candidate at all
            ObjectNode choice = choices.addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", "");
            choice.putNull("logprobs");
            choice.put("finish_reason", "content_filter");
        }
        out.set("usage", usage(response.path("usageMetadata")));
        return out;
    }

    /** One {@code functionCall} as an OpenAI tool call, its id Google's when it sent one. */
    static ObjectNode toolCall(JsonNode functionCall, int candidate, int position) {
        ObjectNode call = JSON.objectNode();
        call.put("id", functionCall.path("id").asString("call_" + candidate + "_" + position));
        call.put("type", "function");
        call.putObject("function").put("name", functionCall.path("name").asString(""))
                .put("arguments", functionCall.path("args").isObject() ? functionCall.get("args").toString() : "{}");
        return call;
    }

    /**
     * A {@code batchEmbedContents} answer as an OpenAI embeddings list.
     *
     * @param base64         the client asked for {@code encoding_format: base64} (little-endian float32, as OpenAI)
     * @param promptEstimate the gateway's estimate, shown as the usage when Google reports none
     */
    public static ObjectNode toEmbeddings(JsonNode response, String model, boolean base64, long promptEstimate) {
        ObjectNode out = JSON.objectNode();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        for (JsonNode embedding : response.path("embeddings")) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", data.size() - 1);
            JsonNode values = embedding.path("values");
            if (base64) {
                ByteBuffer buffer = ByteBuffer.allocate(values.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                values.forEach(v -> buffer.putFloat(v.floatValue()));
                item.put("embedding", Base64.getEncoder().encodeToString(buffer.array()));
            } else {
                item.set("embedding", values.isArray() ? values.deepCopy() : JSON.arrayNode());
            }
        }
        out.put("model", model);
        long prompt = embeddingTokens(response);
        ObjectNode usage = out.putObject("usage");
        usage.put("prompt_tokens", prompt > 0 ? prompt : promptEstimate);
        usage.put("total_tokens", prompt > 0 ? prompt : promptEstimate);
        return out;
    }

    /**
     * Prompt tokens Google reported for an embedding batch, or 0: {@code batchEmbedContents}
     * usually reports none, and the gateway then bills its own estimate (its reservation).
     */
    public static long embeddingTokens(JsonNode response) {
        JsonNode metadata = response.path("usageMetadata");
        return count(metadata, "promptTokenCount") > 0 ? count(metadata, "promptTokenCount")
                : count(metadata, "totalTokenCount");
    }

    /** Gemini's {@code usageMetadata} as OpenAI usage (see the class comment for the sums). */
    public static ObjectNode usage(JsonNode metadata) {
        long prompt = count(metadata, "promptTokenCount") + count(metadata, "toolUsePromptTokenCount");
        long thoughts = count(metadata, "thoughtsTokenCount");
        long completion = count(metadata, "candidatesTokenCount") + thoughts;
        ObjectNode out = JSON.objectNode();
        out.put("prompt_tokens", prompt);
        out.put("completion_tokens", completion);
        out.put("total_tokens", prompt + completion);
        out.putObject("prompt_tokens_details").put("cached_tokens",
                Math.min(prompt, count(metadata, "cachedContentTokenCount")));
        out.putObject("completion_tokens_details").put("reasoning_tokens", thoughts);
        return out;
    }

    /**
     * Gemini's {@code finishReason} as OpenAI's: {@code MAX_TOKENS} is {@code length}, the safety
     * and policy stops are {@code content_filter}, a stop with function calls is {@code tool_calls}.
     */
    public static String finishReason(String reason, boolean toolCalls) {
        return switch (reason) {
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE" ->
                    "content_filter";
            default -> toolCalls ? "tool_calls" : "stop"; // STOP, OTHER, MALFORMED_FUNCTION_CALL, unknown
        };
    }

    /** A count from 0 to what the ledger holds (so sums cannot overflow), or 0 when absent or nonsense. */
    private static long count(JsonNode metadata, String field) {
        JsonNode value = metadata.path(field);
        return value.isIntegralNumber() && value.canConvertToLong()
                ? Math.clamp(value.longValue(), 0, Integer.MAX_VALUE) : 0;
    }
}
