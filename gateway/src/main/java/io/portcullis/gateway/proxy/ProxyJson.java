package io.portcullis.gateway.proxy;

import io.portcullis.gateway.web.ApiError;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
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

    /** Reads one value out of a larger document: what follows it is not "trailing garbage". */
    private static final ObjectReader SUBTREE_READER =
            MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ProxyJson() {
    }

    static JsonNode parse(byte[] body) {
        try {
            return MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiError.invalidRequest("Request body is not valid JSON: " + brief(e), null).toException();
        }
    }

    /** Token counts from an OpenAI {@code usage} object; absent fields count as zero. */
    static Exchange.Usage usageOf(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return Exchange.Usage.NONE;
        }
        int prompt = usage.path("prompt_tokens").asInt(0);
        int completion = usage.path("completion_tokens").asInt(0);
        int cached = usage.path("prompt_tokens_details").path("cached_tokens").asInt(0);
        return new Exchange.Usage(prompt, completion, cached);
    }

    /**
     * Finds the top-level {@code usage} of a complete JSON answer without building a tree of the
     * rest (an embeddings answer can be megabytes of floats).
     */
    static Exchange.Usage usageOfBody(byte[] body, int length) {
        try (JsonParser parser = MAPPER.createParser(body, 0, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Exchange.Usage.NONE;
            }
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("usage".equals(name) && value == JsonToken.START_OBJECT) {
                    return usageOf(SUBTREE_READER.readTree(parser));
                }
                parser.skipChildren();
            }
            return Exchange.Usage.NONE;
        } catch (JacksonException e) {
            return Exchange.Usage.NONE;
        }
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
