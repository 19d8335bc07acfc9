package io.portcullis.gateway.web;

/**
 * Unwinds a request to the HTTP edge with an answer already decided. The core returns values;
 * this exists only so the web layer need not thread an error through every return type.
 */
public final class GatewayException extends RuntimeException {

    private final ApiError error;
    private final java.time.Duration retryAfter;

    public GatewayException(ApiError error) {
        this(error, java.time.Duration.ZERO);
    }

    public GatewayException(ApiError error, java.time.Duration retryAfter) {
        super(error.status() + " " + error.code() + ": " + error.message(), null, false, false);
        this.error = error;
        this.retryAfter = retryAfter;
    }

    public ApiError error() {
        return error;
    }

    /** When to retry, for the {@code Retry-After} header; zero when waiting will not help. */
    public java.time.Duration retryAfter() {
        return retryAfter;
    }
}
