package io.portcullis.gateway.proxy;

import io.portcullis.gateway.web.ApiError;

/**
 * How one client request ended. Settlement ({@link Settlement#bill}) switches over these
 * exhaustively, so a new way of ending cannot be added without saying how it is billed.
 *
 * <p>The rule the cases encode: once a backend produced an answer, the request is billed at
 * least its reservation unless the backend reported usage; a stream cut short is billed at least
 * what it streamed. Refusals by the gateway and backend errors that produced nothing are not
 * billed.
 */
sealed interface Ending {

    /** The status the client was (or would have been) given. */
    int status();

    /** The ledger and metric tag: a closed set (outcome tags and the contract's error codes). */
    String tag();

    /** A 2xx answer, relayed whole, with the backend's usage figures. */
    record Answered(int status, Usage usage) implements Ending {
        @Override
        public String tag() {
            return Outcome.SUCCESS.tag();
        }
    }

    /**
     * A 2xx answer relayed whole but without usage figures (a backend that ignores
     * {@code include_usage}, {@code usage: {}}, an answer whose JSON broke after it started, an
     * Anthropic stream that ended with an {@code error} event).
     *
     * @param streamedTokens content events relayed, when it was a stream
     */
    record Unmetered(int status, long streamedTokens) implements Ending {
        @Override
        public String tag() {
            return Outcome.SUCCESS.tag();
        }
    }

    /**
     * The answer had started (status sent) when the client left or the backend broke off or went
     * silent.
     *
     * @param reported       usage the backend reported before the end, or null
     * @param streamedTokens content events relayed before the cut
     */
    record CutShort(int status, Outcome why, Usage reported, long streamedTokens) implements Ending {
        @Override
        public String tag() {
            return why.tag();
        }
    }

    /**
     * The backend answered with its own error status, relayed to the client.
     *
     * @param reported usage in the error answer (rare), or null
     */
    record BackendError(int status, Usage reported) implements Ending {
        @Override
        public String tag() {
            return Outcome.BACKEND_ERROR.tag();
        }
    }

    /**
     * The gateway answered with a contract error: a refusal before any backend call, or a backend
     * failure it turned into 502/503/504.
     *
     * @param backendWorked whether a backend may have done billable work first (it answered 2xx with
     *                      something unusable, or timed out after receiving the request)
     */
    record Refused(ApiError error, boolean backendWorked) implements Ending {
        @Override
        public int status() {
            return error.status();
        }

        @Override
        public String tag() {
            return error.code();
        }
    }

    /**
     * An unexpected exception in the gateway.
     *
     * @param backendWorked  whether a backend had produced an answer before it
     * @param streamedTokens content events relayed before it
     */
    record Crashed(int status, RuntimeException cause, boolean backendWorked, long streamedTokens) implements Ending {
        @Override
        public String tag() {
            return "internal_error";
        }
    }
}
