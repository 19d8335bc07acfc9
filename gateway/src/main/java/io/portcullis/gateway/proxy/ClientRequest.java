package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.anthropic.AnthropicRequests;
import io.portcullis.gateway.backend.anthropic.UnsupportedContent;
import io.portcullis.gateway.web.ApiError;
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
 */
record ClientRequest(byte[] body, ObjectNode json, String model, boolean stream, boolean clientWantsUsage,
                     ObjectNode anthropic, UnsupportedContent untranslatable) {

    static ClientRequest parse(Endpoint endpoint, byte[] body) {
        if (endpoint == Endpoint.MESSAGES) {
            return parseMessages(body);
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
        return new ClientRequest(body, json, model.stringValue(), stream, wantsUsage, null, null);
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
        if (maxTokens == null || !maxTokens.canConvertToLong() || maxTokens.asLong() < 1) {
            throw ApiError.invalidRequest("max_tokens: Field required (a positive integer)", "max_tokens").toException();
        }
        boolean stream = flag(anthropic, "stream");
        // Translated leniently: an Anthropic backend takes the body as it is; only an OpenAI-compatible
        // one needs the translation, and refuses (400) what has none, when it is chosen.
        var problems = new java.util.ArrayList<UnsupportedContent>();
        ObjectNode chat = AnthropicRequests.toChat(anthropic, problems);
        return new ClientRequest(ProxyJson.MAPPER.writeValueAsBytes(chat), chat, model.stringValue(), stream, false,
                anthropic, problems.isEmpty() ? null : problems.getFirst());
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
     * The bytes to send upstream: the client's own unless the model is renamed or, on a stream,
     * usage must be requested so the gateway can count tokens.
     */
    byte[] upstreamBody(String upstreamModel) {
        return upstreamBody(upstreamModel, false);
    }

    /**
     * @param ollama also smooth over Ollama's quirks: {@code max_completion_tokens}, which older
     *               Ollama builds ignore, is sent as {@code max_tokens}
     */
    byte[] upstreamBody(String upstreamModel, boolean ollama) {
        boolean rename = !upstreamModel.equals(model);
        boolean addUsage = stream && !clientWantsUsage;
        boolean maxTokens = ollama && json.has("max_completion_tokens") && !json.has("max_tokens");
        if (!rename && !addUsage && !maxTokens) {
            return body;
        }
        ObjectNode copy = json.deepCopy();
        if (maxTokens) {
            copy.set("max_tokens", copy.remove("max_completion_tokens"));
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
