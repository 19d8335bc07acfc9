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
    default String tag() {
        return switch (this) {
            case Answered _, Counted _, Unmetered _ -> Outcome.SUCCESS.tag();
            case CutShort cut -> cut.why().tag();
            case BackendError _ -> Outcome.BACKEND_ERROR.tag();
            case Refused refused -> refused.error().code();
            case Crashed _ -> ApiError.internal().code();
        };
    }

    /** A 2xx answer, relayed whole, with the backend's usage figures. */
    record Answered(int status, Usage usage) implements Ending {
    }

    /**
     * A 2xx answer relayed whole that carries no usage figures, for an endpoint whose units the
     * gateway counts exactly from the request (speech: the characters of its {@code input}).
     */
    record Counted(int status, Usage usage) implements Ending {
    }

    /**
     * A 2xx answer relayed whole but without usage figures (a backend that ignores
     * {@code include_usage}, {@code usage: {}} or zeros, an answer whose JSON broke after it
     * started).
     *
     * @param streamedTokens content events relayed, when it was a stream
     */
    record Unmetered(int status, long streamedTokens) implements Ending {
    }

    /**
     * The answer had started (status sent) when the client left, or the backend broke off, went
     * silent or said in its stream that it failed (an Anthropic {@code error} event).
     *
     * @param reported       usage the backend reported before the end, or null
     * @param streamedTokens content events relayed before the cut
     */
    record CutShort(int status, Outcome why, Usage reported, long streamedTokens) implements Ending {
    }

    /**
     * The backend answered with its own error status, relayed to the client.
     *
     * @param reported usage in the error answer (rare), or null
     */
    record BackendError(int status, Usage reported) implements Ending {
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
    }

    /**
     * An unexpected exception in the gateway.
     *
     * @param backendWorked  whether a backend had produced an answer before it
     * @param streamedTokens content events relayed before it
     */
    record Crashed(int status, RuntimeException cause, boolean backendWorked, long streamedTokens) implements Ending {
    }
}
