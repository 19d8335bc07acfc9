package io.portcullis.gateway.backend.anthropic;

/**
 * A request that cannot be expressed in the other protocol (audio to Anthropic, a PDF document to
 * an OpenAI-compatible backend, n &gt; 1...). The proxy answers it with 400 {@code invalid_request_error}.
 */
public final class UnsupportedContent extends RuntimeException {

    private final String param;

    public UnsupportedContent(String message, String param) {
        super(message, null, false, false);
        this.param = param;
    }

    /** The request field at fault, for the error's {@code param}. */
    public String param() {
        return param;
    }
}
