package io.portcullis.gateway.backend.gemini;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns one {@code streamGenerateContent?alt=sse} stream into OpenAI {@code chat.completion.chunk}s,
 * event by event. Each Gemini event is a whole {@code GenerateContentResponse} holding the next
 * parts of each candidate: the first output of a candidate is preceded by a role chunk; text parts
 * become content deltas, {@code functionCall} parts whole {@code tool_calls} deltas, a
 * {@code finishReason} the finish chunk. Thought summaries are dropped. Gemini sends no end marker,
 * so {@link #finish()} gives the usage chunk ({@code choices: []}) and {@code [DONE]} when the
 * stream has ended cleanly. An {@code error} object in the stream becomes an OpenAI error object.
 *
 * <p>Every event carries {@code usageMetadata} with running totals: the last one holds the final
 * counts. One instance per stream.
 */
public final class GeminiStreamDecoder {

    /** The payload that ends an OpenAI stream. */
    public static final String DONE = "[DONE]";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final long created;
    private String id;
    private String model;
    private JsonNode usage;
    private boolean finished;
    private final Set<Integer> started = new HashSet<>();
    private final Map<Integer, Integer> toolCalls = new HashMap<>();

    /**
     * @param id      the chunks' id when Google sends no {@code responseId}
     * @param model   the model to show when Google sends no {@code modelVersion}
     * @param created seconds since the epoch
     */
    public GeminiStreamDecoder(String id, String model, long created) {
        this.id = id;
        this.model = model;
        this.created = created;
    }

    /** @return the data payloads of the OpenAI events to send for this Gemini event, in order */
    public List<String> onEvent(JsonNode event) {
        List<String> out = new ArrayList<>(3);
        if (event.path("error").isObject()) {
            out.add(GeminiError.of(event.path("error").path("code").asInt(500), event).toOpenAi().toString());
            return out;
        }
        id = event.path("responseId").asString(id);
        model = event.path("modelVersion").asString(model);
        if (event.path("usageMetadata").isObject()) {
            usage = event.get("usageMetadata");
        }
        if (event.path("candidates").isEmpty() && event.path("promptFeedback").path("blockReason").isString()) {
            // the prompt itself was blocked: no candidate will come
            start(0, out);
            out.add(chunk(0, JSON.objectNode(), "content_filter"));
            finished = true;
            return out;
        }
        for (JsonNode candidate : event.path("candidates")) {
            int index = candidate.path("index").asInt(0);
            for (JsonNode part : candidate.path("content").path("parts")) {
                if (part.path("thought").asBoolean(false)) {
                    continue;
                }
                if (part.path("text").isString() && !part.path("text").asString().isEmpty()) {
                    start(index, out);
                    out.add(chunk(index, JSON.objectNode().put("content", part.path("text").asString()), null));
                } else if (part.path("functionCall").isObject()) {
                    start(index, out);
                    int position = toolCalls.merge(index, 1, Integer::sum) - 1;
                    ObjectNode call = GeminiResponses.toolCall(part.get("functionCall"), index, position);
                    call.put("index", position);
                    ObjectNode delta = JSON.objectNode();
                    delta.putArray("tool_calls").add(call);
                    out.add(chunk(index, delta, null));
                }
            }
            String reason = candidate.path("finishReason").asString(null);
            if (reason != null) {
                start(index, out);
                out.add(chunk(index, JSON.objectNode(),
                        GeminiResponses.finishReason(reason, toolCalls.containsKey(index))));
                finished = true;
            }
        }
        return out;
    }

    /** The closing payloads once the stream has ended cleanly: the usage chunk and {@code [DONE]}. */
    public List<String> finish() {
        List<String> out = new ArrayList<>(2);
        if (usage != null) {
            ObjectNode chunk = base();
            chunk.putArray("choices");
            chunk.set("usage", GeminiResponses.usage(usage));
            out.add(chunk.toString());
        }
        out.add(DONE);
        return out;
    }

    /** Whether a candidate has finished (its final counts have arrived). */
    public boolean finished() {
        return finished;
    }

    /** The last counts seen in OpenAI's usage shape, or null when no event carried any. */
    public ObjectNode usage() {
        return usage == null ? null : GeminiResponses.usage(usage);
    }

    /** Whether an event carries generated output (text, thoughts or calls): what a cut stream is billed by. */
    public static boolean hasOutput(JsonNode event) {
        for (JsonNode candidate : event.path("candidates")) {
            if (!candidate.path("content").path("parts").isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private void start(int index, List<String> out) {
        if (started.add(index)) {
            out.add(chunk(index, JSON.objectNode().put("role", "assistant").put("content", ""), null));
        }
    }

    private String chunk(int index, ObjectNode delta, String finishReason) {
        ObjectNode chunk = base();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return chunk.toString();
    }

    private ObjectNode base() {
        ObjectNode chunk = JSON.objectNode();
        chunk.put("id", "chatcmpl-" + id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        return chunk;
    }
}
