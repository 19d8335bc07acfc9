package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.anthropic.AnthropicRequests;
import io.portcullis.gateway.backend.anthropic.UnsupportedContent;
import io.portcullis.gateway.web.ApiError;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A client's request body, checked just enough to route and account for it. The body itself is
 * passed upstream untouched unless the contract says otherwise (model mapping, stream usage).
 *
 * @param body             the bytes as received (for /v1/messages: the OpenAI translation)
 * @param json             the parsed body, always in OpenAI's form
 * @param model            the public model name asked for
 * @param stream           whether the client asked for server-sent events
 * @param clientWantsUsage whether the client itself asked for the final usage chunk
 * @param anthropic        the client's Anthropic Messages body when it came through /v1/messages, else null
 * @param untranslatable   why the Anthropic body cannot go to an OpenAI-compatible backend, or null
 * @param maxTokens        the largest output-token limit the client set ({@code max_tokens},
 *                         {@code max_completion_tokens}), or -1 when it set none
 * @param choices          answers generated per request: {@code n}, or {@code best_of} when larger
 * @param endpoint         where the client sent it
 * @param responses        what a Responses API body says of stored responses and hosted tools;
 *                         null on every other endpoint
 * @param upload           the multipart upload on the upload endpoints (its text fields are in
 *                         {@code json}, as strings); null on the others
 */
record ClientRequest(byte[] body, ObjectNode json, String model, boolean stream, boolean clientWantsUsage,
                     ObjectNode anthropic, UnsupportedContent untranslatable, long maxTokens, int choices,
                     Endpoint endpoint, ResponsesRequest responses, Upload upload) {

    /** Output-token limit fields, as each endpoint names them. */
    static final List<String> OUTPUT_LIMIT_FIELDS = List.of("max_tokens", "max_completion_tokens");
    /**
     * Server-specific knobs that lengthen or force output past a cap (llama.cpp's {@code n_predict},
     * Ollama's {@code num_predict}, vLLM's {@code min_tokens} and {@code ignore_eos}, TGI's
     * {@code max_new_tokens}): removed from the body whenever an output cap applies.
     */
    static final List<String> LENGTH_KNOBS = List.of("n_predict", "num_predict", "min_tokens", "ignore_eos",
            "max_new_tokens");
    /** OpenAI's own bound on {@code n}. */
    static final int MAX_CHOICES = 128;
    /** OpenAI's own bound on {@code best_of}. */
    static final int MAX_BEST_OF = 20;
    /** OpenAI's own bound on {@code n} for images. */
    static final int MAX_IMAGES = 10;
    /** Larger than any model's output; larger values are refused rather than overflow arithmetic. */
    static final long MAX_OUTPUT_LIMIT = Integer.MAX_VALUE;

    static ClientRequest parse(Endpoint endpoint, byte[] body) {
        if (endpoint == Endpoint.MESSAGES) {
            return parseMessages(body);
        }
        if (endpoint == Endpoint.RESPONSES) {
            return parseResponses(body);
        }
        if (body.length == 0) {
            throw ApiError.invalidRequest("Request body is empty; send a JSON object", null).toException();
        }
        JsonNode root = ProxyJson.parse(body);
        if (!(root instanceof ObjectNode json)) {
            throw ApiError.invalidRequest("Request body must be a JSON object", null).toException();
        }
        JsonNode model = json.get("model");
        if (model == null || model.isNull()) {
            throw ApiError.invalidRequest("You must provide a model parameter", "model").toException();
        }
        if (!model.isString() || model.stringValue().isBlank()) {
            throw ApiError.invalidRequest("'model' must be a non-empty string", "model").toException();
        }
        JsonNode required = json.get(endpoint.requiredField());
        if (required == null || required.isNull()) {
            throw ApiError.invalidRequest("Missing required parameter: '" + endpoint.requiredField() + "'",
                    endpoint.requiredField()).toException();
        }
        if (endpoint == Endpoint.CHAT_COMPLETIONS && !required.isArray()) {
            throw ApiError.invalidRequest("'messages' must be an array", "messages").toException();
        }
        if ((endpoint == Endpoint.SPEECH || endpoint == Endpoint.IMAGE_GENERATIONS) && !required.isString()) {
            // the characters to bill, and the text policies read
            throw ApiError.invalidRequest("'" + endpoint.requiredField() + "' must be a string",
                    endpoint.requiredField()).toException();
        }
        boolean stream = flag(json, "stream");
        if (stream && !endpoint.streamable()) {
            throw ApiError.invalidRequest("This endpoint does not support streaming", "stream").toException();
        }
        boolean wantsUsage = false;
        JsonNode options = json.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw ApiError.invalidRequest("'stream_options' must be an object", "stream_options").toException();
            }
            wantsUsage = flag((ObjectNode) options, "include_usage");
        }
        long maxTokens = -1;
        for (String field : OUTPUT_LIMIT_FIELDS) {
            maxTokens = Math.max(maxTokens, positiveInteger(json, field, MAX_OUTPUT_LIMIT));
        }
        boolean images = endpoint == Endpoint.IMAGE_GENERATIONS;
        long n = positiveInteger(json, "n", images ? MAX_IMAGES : MAX_CHOICES);
        long bestOf = endpoint == Endpoint.COMPLETIONS ? positiveInteger(json, "best_of", MAX_BEST_OF) : -1;
        int choices = (int) Math.max(1, Math.max(n, bestOf));
        return new ClientRequest(body, json, model.stringValue(), stream, wantsUsage, null, null, maxTokens, choices,
                endpoint, null, null);
    }

    /**
     * A multipart upload (transcriptions, translations, image edits): its text fields checked like
     * a JSON body's ({@code model}; {@code prompt} for edits; {@code n} a whole number in range,
     * sent as text), and its file parts required.
     */
    static ClientRequest ofUpload(Endpoint endpoint, Upload upload) {
        ObjectNode json = ProxyJson.MAPPER.createObjectNode();
        for (Upload.Part part : upload.parts()) {
            if (part instanceof Upload.Field field && !json.has(field.head().name())) {
                json.put(field.head().name(), field.text());
            }
        }
        String model = json.path("model").asString("").strip();
        if (model.isEmpty()) {
            throw ApiError.invalidRequest("You must provide a model parameter (a form field)", "model").toException();
        }
        boolean edits = endpoint == Endpoint.IMAGE_EDITS;
        String fileField = edits ? "image" : "file";
        boolean hasFile = upload.files().stream().map(f -> f.head().name())
                .anyMatch(name -> name.equals(fileField) || name.equals(fileField + "[]"));
        if (!hasFile) {
            throw ApiError.invalidRequest("Missing required file part: '" + fileField + "'", fileField).toException();
        }
        if (edits && json.path("prompt").asString("").isBlank()) {
            throw ApiError.invalidRequest("Missing required parameter: 'prompt'", "prompt").toException();
        }
        if (json.has("stream") && !json.get("stream").asString().equalsIgnoreCase("false")) {
            throw ApiError.invalidRequest("This endpoint does not support streaming through the gateway", "stream")
                    .toException();
        }
        int choices = 1;
        if (json.has("n")) {
            String n = json.get("n").asString().strip();
            if (!n.matches("[0-9]{1,3}") || Integer.parseInt(n) < 1 || Integer.parseInt(n) > MAX_IMAGES) {
                throw ApiError.invalidRequest("'n' must be an integer from 1 to " + MAX_IMAGES, "n").toException();
            }
            choices = Integer.parseInt(n);
        }
        return new ClientRequest(new byte[0], json, model, false, false, null, null, -1, choices, endpoint, null,
                upload);
    }

    /**
     * A field that must be a whole number from 1 to {@code max} when present: strings, fractions,
     * zero, negatives and absurd values are the client's error, never silently ignored (an ignored
     * limit would reach the backend as sent and escape the key's cap).
     *
     * @return the value, or -1 when absent or null
     */
    private static long positiveInteger(ObjectNode json, String field, long max) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return -1;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 1
                || value.longValue() > max) {
            throw ApiError.invalidRequest("'" + field + "' must be an integer from 1 to " + max, field).toException();
        }
        return value.longValue();
    }

    /**
     * An Anthropic Messages request: checked like a chat request, and translated to one so that
     * policy, quotas and OpenAI-compatible backends see a single form.
     */
    private static ClientRequest parseMessages(byte[] body) {
        if (body.length == 0) {
            throw ApiError.invalidRequest("Request body is empty; send a JSON object", null).toException();
        }
        if (!(ProxyJson.parse(body) instanceof ObjectNode anthropic)) {
            throw ApiError.invalidRequest("Request body must be a JSON object", null).toException();
        }
        JsonNode model = anthropic.get("model");
        if (model == null || !model.isString() || model.stringValue().isBlank()) {
            throw ApiError.invalidRequest("model: Field required", "model").toException();
        }
        if (!anthropic.path("messages").isArray()) {
            throw ApiError.invalidRequest("messages: Field required (an array)", "messages").toException();
        }
        JsonNode maxTokens = anthropic.get("max_tokens");
        if (maxTokens == null || !maxTokens.isIntegralNumber() || !maxTokens.canConvertToLong()
                || maxTokens.longValue() < 1 || maxTokens.longValue() > MAX_OUTPUT_LIMIT) {
            throw ApiError.invalidRequest("max_tokens: Field required (an integer from 1 to " + MAX_OUTPUT_LIMIT + ")",
                    "max_tokens").toException();
        }
        boolean stream = flag(anthropic, "stream");
        // Translated leniently: an Anthropic backend takes the body as it is; only an OpenAI-compatible
        // one needs the translation, and refuses (400) what has none, when it is chosen.
        var problems = new java.util.ArrayList<UnsupportedContent>();
        ObjectNode chat = AnthropicRequests.toChat(anthropic, problems);
        return new ClientRequest(ProxyJson.MAPPER.writeValueAsBytes(chat), chat, model.stringValue(), stream, false,
                anthropic, problems.isEmpty() ? null : problems.getFirst(), maxTokens.longValue(), 1,
                Endpoint.MESSAGES, null, null);
    }

    /**
     * A Responses API request ({@link ResponsesRequest}). The usage rides in the stream's
     * {@code response.completed} event, which the gateway never hides, so nothing is added to ask
     * for it: {@code clientWantsUsage} is true.
     */
    private static ClientRequest parseResponses(byte[] body) {
        if (body.length == 0) {
            throw ApiError.invalidRequest("Request body is empty; send a JSON object", null).toException();
        }
        if (!(ProxyJson.parse(body) instanceof ObjectNode json)) {
            throw ApiError.invalidRequest("Request body must be a JSON object", null).toException();
        }
        JsonNode model = json.get("model");
        if (model == null || !model.isString() || model.stringValue().isBlank()) {
            throw ApiError.invalidRequest("You must provide a model parameter (a non-empty string)", "model")
                    .toException();
        }
        var responses = ResponsesRequest.of(json);
        boolean stream = flag(json, "stream");
        long maxTokens = -1;
        for (String field : ResponsesRequest.OUTPUT_LIMIT_FIELDS) {
            maxTokens = Math.max(maxTokens, positiveInteger(json, field, MAX_OUTPUT_LIMIT));
        }
        return new ClientRequest(body, json, model.stringValue(), stream, true, null, null, maxTokens, 1,
                Endpoint.RESPONSES, responses, null);
    }

    private static boolean flag(ObjectNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw ApiError.invalidRequest("'" + field + "' must be a boolean", field).toException();
        }
        return value.booleanValue();
    }

    /**
     * The bytes to send to an OpenAI-compatible backend: the client's own unless the model is
     * renamed, usage must be requested on a stream so the gateway can count tokens, or an output
     * cap applies.
     *
     * @param ollama    also smooth over Ollama's quirks: {@code max_completion_tokens}, which older
     *                  Ollama builds ignore, is sent as {@code max_tokens}
     * @param outputCap the key's or team's {@code maxTokensPerRequest}, or -1: when the client set
     *                  no output limit, the cap is inserted, and length knobs that would get
     *                  around it are removed
     */
    byte[] upstreamBody(String upstreamModel, boolean ollama, long outputCap) {
        boolean rename = !upstreamModel.equals(model);
        boolean addUsage = stream && !clientWantsUsage;
        boolean maxTokensField = ollama && json.has("max_completion_tokens") && !json.has("max_tokens");
        boolean capped = outputCap > 0 && endpoint.generatesText() && (maxTokens < 0 || LENGTH_KNOBS.stream().anyMatch(json::has)
                || json.path("options").has("num_predict"));
        if (!rename && !addUsage && !maxTokensField && !capped) {
            return body;
        }
        ObjectNode copy = json.deepCopy();
        if (maxTokensField) {
            copy.set("max_tokens", copy.remove("max_completion_tokens"));
        }
        if (capped) {
            LENGTH_KNOBS.forEach(copy::remove);
            if (copy.get("options") instanceof ObjectNode options) {
                options.remove("num_predict");
            }
            if (maxTokens < 0) {
                // chat on OpenAI itself wants max_completion_tokens (reasoning models refuse max_tokens);
                // completions, and Ollama, know max_tokens
                boolean completionTokens = !ollama && endpoint != Endpoint.COMPLETIONS;
                copy.put(endpoint == Endpoint.RESPONSES ? "max_output_tokens"
                        : completionTokens ? "max_completion_tokens" : "max_tokens", outputCap);
            }
        }
        if (rename) {
            copy.put("model", upstreamModel);
        }
        if (addUsage) {
            JsonNode options = copy.get("stream_options");
            ObjectNode opts = options instanceof ObjectNode o ? o : copy.putObject("stream_options");
            opts.put("include_usage", true);
        }
        return ProxyJson.MAPPER.writeValueAsBytes(copy);
    }
}
