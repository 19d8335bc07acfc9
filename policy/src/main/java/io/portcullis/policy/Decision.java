package io.portcullis.policy;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of a policy check: a value, never an exception.
 *
 * <p>The HTTP edge maps {@link Denied} to the contract's status codes; the core never does.
 */
public sealed interface Decision {

    /** The single allowed decision; it carries no state yet. */
    Decision ALLOWED = new Allowed();

    /** @return true when the request may go ahead */
    default boolean isAllowed() {
        return this instanceof Allowed;
    }

    /** The request may go ahead. */
    record Allowed() implements Decision {
    }

    /**
     * The request is refused.
     *
     * @param reason     why, from a closed set (safe to use as a metric tag)
     * @param message    a human-readable explanation; never contains secrets
     * @param retryAfter how long until the same request could succeed, {@link Duration#ZERO}
     *                   when waiting will not help
     */
    record Denied(DenialReason reason, String message, Duration retryAfter) implements Decision {
        public Denied {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(retryAfter, "retryAfter");
        }

        /** A denial that waiting will not cure. */
        public static Denied permanently(DenialReason reason, String message) {
            return new Denied(reason, message, Duration.ZERO);
        }
    }
}
