package io.portcullis.gateway.proxy;

/** The OpenAI endpoints the gateway proxies. {@link #tag()} is a metric tag and ledger value. */
public enum Endpoint {
    CHAT_COMPLETIONS("/chat/completions", "chat", true, "messages"),
    COMPLETIONS("/completions", "completions", true, "prompt"),
    EMBEDDINGS("/embeddings", "embeddings", false, "input");

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

    /** Path below the backend's base URL. */
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
