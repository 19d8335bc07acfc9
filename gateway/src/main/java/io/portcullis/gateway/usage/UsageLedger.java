package io.portcullis.gateway.usage;

/**
 * Where finished requests are recorded. Implementations must not block the request path on the
 * database, and must never lose a record silently.
 */
public interface UsageLedger {

    /** Accepts a record for writing; returns at once. */
    void record(UsageRecord record);

    /** Records accepted but not yet written. */
    int pending();

    /**
     * Records it can still accept before it would have to refuse one: what admission leaves for
     * the requests in flight, so that an answered request's record always has a place.
     */
    default int room() {
        return Integer.MAX_VALUE;
    }
}
