package io.portcullis.gateway.proxy;

import io.portcullis.gateway.web.ApiError;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON handling on the proxy path, with parsing limits set explicitly rather than left to
 * library defaults: client bodies are hostile until proven otherwise.
 */
final class ProxyJson {

    /** Deeper than any real chat request (tool schemas included), far below a stack overflow. */
    static final int MAX_NESTING_DEPTH = 200;
    static final int MAX_NUMBER_LENGTH = 100;
    static final int MAX_STRING_LENGTH = 64 * 1024 * 1024;

    static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING_DEPTH)
                            .maxNumberLength(MAX_NUMBER_LENGTH)
                            .maxStringLength(MAX_STRING_LENGTH)
                            .build())
                    // Two "model" fields could let the gateway check one model while the backend
                    // serves the other: refuse duplicate keys outright.
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .build();

    private ProxyJson() {
    }

    static JsonNode parse(byte[] body) {
        try {
            return MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiError.invalidRequest("Request body is not valid JSON: " + brief(e), null).toException();
        }
    }

    /** A backend's JSON text (an event's data), or null when it is empty or not JSON: never a client error. */
    static JsonNode parseOrNull(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return MAPPER.readTree(text);
        } catch (JacksonException e) {
            return null;
        }
    }

    /** A JSON value as the bytes sent on the wire. */
    static byte[] bytes(JsonNode json) {
        return MAPPER.writeValueAsBytes(json);
    }

    /**
     * Token counts from a {@code usage} object, in OpenAI's names (chat, completions, embeddings)
     * or the Responses API's ({@code input_tokens}, {@code output_tokens}).
     *
     * @return null when it carries no token counts, or only zeros: an empty or zeroed {@code usage}
     *         is no report, so the request is billed its reservation rather than nothing
     */
    static Usage usageOf(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        long prompt = count(usage, "prompt_tokens", "input_tokens");
        long completion = count(usage, "completion_tokens", "output_tokens");
        if (prompt < 0 && completion < 0) {
            prompt = count(usage, "total_tokens", "total_tokens");
        }
        long cached = Math.max(0, Math.max(usage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
                usage.path("input_tokens_details").path("cached_tokens").asLong(0)));
        return UsageScanner.reported(prompt, completion, cached);
    }

    /** The first of two fields that is a non-negative integer, or -1. */
    private static long count(JsonNode usage, String name, String alternative) {
        for (String field : new String[] {name, alternative}) {
            JsonNode value = usage.get(field);
            if (value != null && value.isIntegralNumber() && value.canConvertToLong() && value.longValue() >= 0) {
                return value.longValue();
            }
        }
        return -1;
    }

    /** Jackson's message without the source excerpt it appends (which would echo the body back). */
    private static String brief(JacksonException e) {
        String message = e.getOriginalMessage();
        if (message == null) {
            return "malformed";
        }
        return message.length() > 200 ? message.substring(0, 200) + "…" : message;
    }
}
