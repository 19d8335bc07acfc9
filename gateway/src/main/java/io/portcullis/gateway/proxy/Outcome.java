package io.portcullis.gateway.proxy;

/**
 * How a proxied request ended, beyond the contract's error codes (which are outcomes too, see
 * {@link Exchange#outcome()}). Tag values are used in metrics and the ledger: never rename one.
 */
enum Outcome {
    /** The backend answered 2xx and the answer reached the client. */
    SUCCESS("success"),
    /** The backend answered with its own error status, passed through to the client. */
    BACKEND_ERROR("backend_error"),
    /** The client went away before the answer was complete. */
    CLIENT_CLOSED("client_closed"),
    /** The backend broke off mid-answer, after the status was sent. */
    UPSTREAM_BROKEN("upstream_broken"),
    /** The backend went silent mid-answer for longer than the idle timeout; same tag as the 504 code. */
    UPSTREAM_TIMEOUT("upstream_timeout");

    private final String tag;

    Outcome(String tag) {
        this.tag = tag;
    }

    String tag() {
        return tag;
    }
}
