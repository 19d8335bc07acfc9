package io.portcullis.gateway.proxy;

/**
 * The endpoints the gateway proxies. {@link #tag()} is a metric tag and ledger value. Every one is
 * handled as its OpenAI form inside the gateway: {@link #MESSAGES}, Anthropic's front door, is
 * translated to a chat request (or passed natively to Anthropic backends).
 */
public enum Endpoint {
    CHAT_COMPLETIONS("/chat/completions", "chat", true, "messages", Body.JSON),
    /** {@code POST /v1/messages}: the Anthropic-compatible front door; OpenAI-compatible backends get a chat request. */
    MESSAGES("/chat/completions", "messages", true, "messages", Body.JSON),
    COMPLETIONS("/completions", "completions", true, "prompt", Body.JSON),
    EMBEDDINGS("/embeddings", "embeddings", false, "input", Body.JSON),
    /**
     * {@code POST /v1/responses}: OpenAI's Responses API, passed through to OpenAI-compatible
     * backends that speak it ({@code input} may be left out when {@code prompt} names a template).
     */
    RESPONSES("/responses", "responses", true, "input", Body.JSON),
    /** {@code POST /v1/audio/transcriptions}: a multipart upload of audio; answers JSON or text (srt, vtt). */
    TRANSCRIPTIONS("/audio/transcriptions", "transcriptions", false, "file", Body.MULTIPART),
    /** {@code POST /v1/audio/translations}: as transcriptions, into English. */
    TRANSLATIONS("/audio/translations", "translations", false, "file", Body.MULTIPART),
    /** {@code POST /v1/audio/speech}: JSON in, audio bytes out. */
    SPEECH("/audio/speech", "speech", false, "input", Body.JSON),
    /** {@code POST /v1/images/generations}: JSON in, images out (URLs or base64). */
    IMAGE_GENERATIONS("/images/generations", "images", false, "prompt", Body.JSON),
    /** {@code POST /v1/images/edits}: a multipart upload of images (and a mask), images out. */
    IMAGE_EDITS("/images/edits", "image_edits", false, "prompt", Body.MULTIPART),
    /** {@code POST /v1/moderations}: text (or images) classified; priced per request. */
    MODERATIONS("/moderations", "moderations", false, "input", Body.JSON);

    /** How a request body to the endpoint is encoded. */
    enum Body { JSON, MULTIPART }

    private final String path;
    private final String tag;
    private final boolean streamable;
    private final String requiredField;
    private final Body body;

    Endpoint(String path, String tag, boolean streamable, String requiredField, Body body) {
        this.path = path;
        this.tag = tag;
        this.streamable = streamable;
        this.requiredField = requiredField;
        this.body = body;
    }

    /** Whether the body is {@code multipart/form-data} (an upload), read by {@link UploadReader}. */
    public boolean multipart() {
        return body == Body.MULTIPART;
    }

    /**
     * Whether the endpoint answers chat-like token output, so that output-token caps and the
     * output reservation apply to it.
     */
    public boolean generatesText() {
        return this == CHAT_COMPLETIONS || this == MESSAGES || this == COMPLETIONS || this == RESPONSES;
    }

    /**
     * Whether a 2xx answer may be something other than JSON: audio bytes (speech), or the text,
     * SRT and VTT formats of transcriptions. Such answers are relayed as they are, not refused
     * as garbage.
     */
    public boolean mayAnswerNonJson() {
        return this == SPEECH || this == TRANSCRIPTIONS || this == TRANSLATIONS;
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
