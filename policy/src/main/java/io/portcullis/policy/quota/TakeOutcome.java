package io.portcullis.policy.quota;

import java.time.Duration;

/** What taking units from a {@link Lease} came to. */
sealed interface TakeOutcome {
    TakeOutcome TAKEN = new Taken();
    TakeOutcome UNREACHABLE = new Unreachable();

    /** The units are the caller's. */
    record Taken() implements TakeOutcome {
    }

    /** The shared budget has not got them; {@code retryAfter} as the store said (zero if it did not). */
    record Refused(Duration retryAfter) implements TakeOutcome {
    }

    /** The store could not be asked. */
    record Unreachable() implements TakeOutcome {
    }
}
