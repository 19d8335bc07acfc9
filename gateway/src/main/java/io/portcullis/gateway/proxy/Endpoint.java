package io.portcullis.gateway.proxy;

/**
 * The endpoints the gateway proxies. {@link #tag()} is a metric tag and ledger value. Every one is
 * handled as its OpenAI form inside the gateway: {@link #MESSAGES}, Anthropic's front door, is
 * translated to a chat request (or passed natively to Anthropic backends).
 */
public enum Endpoint {
    CHAT_COMPLETIONS("/chat/completions", "chat", true, "messages"),
    /** {@code POST /v1/messages}: the Anthropic-compatible front door; OpenAI-compatible backends get a chat request. */
    MESSAGES("/chat/completions", "messages", true, "messages"),
    COMPLETIONS("/completions", "completions", true, "prompt"),
    EMBEDDINGS("/embeddings", "embeddings", false, "input"),
    /**
     * {@code POST /v1/responses}: OpenAI's Responses API, passed through to OpenAI-compatible
     * backends that speak it ({@code input} may be left out when {@code prompt} names a template).
     */
    RESPONSES("/responses", "responses", true, "input");

    private final String path;
    private final String tag;
    private final boolean streamable;
    private final String requiredField;

    Endpoint(String path, String tag, boolean streamable, String requiredField) {
        this.path = path;
        this.tag = tag;
        this.streamable = streamable;
        this.requiredField = requiredField;
    }

    /** Path below an OpenAI-compatible backend's base URL. */
    public String path() {
        return path;
    }

    public String tag() {
        return tag;
    }

    public boolean streamable() {
        return streamable;
    }

    /** The field besides {@code model} that every request to this endpoint must carry. */
    public String requiredField() {
        return requiredField;
    }
}
