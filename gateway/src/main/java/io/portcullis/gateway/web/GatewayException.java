package io.portcullis.gateway.web;

/**
 * Unwinds a request to the HTTP edge with an answer already decided. The core returns values;
 * this exists only so the web layer need not thread an error through every return type.
 */
public final class GatewayException extends RuntimeException {

    private final ApiError error;

    public GatewayException(ApiError error) {
        super(error.status() + " " + error.code() + ": " + error.message(), null, false, false);
        this.error = error;
    }

    public ApiError error() {
        return error;
    }
}
