package io.portcullis.gateway.proxy;

import io.portcullis.gateway.usage.BilledBy;
import io.portcullis.policy.quota.Units;

/**
 * What a request is billed, from how it ended and what it reserved (docs/quotas.md, "Billing").
 * Pure: the request path then settles the quota reservation and prices the bill.
 */
final class Settlement {

    private Settlement() {
    }

    /** Tokens to bill and how they were arrived at. */
    record Bill(Usage usage, BilledBy billedBy) {
        static final Bill NOTHING = new Bill(Usage.ZERO, BilledBy.NONE);
    }

    /**
     * @param promptEstimate    the gateway's estimate of the prompt's tokens (what was reserved for it)
     * @param completionReserve output tokens reserved ({@code max_tokens} times choices, or the default)
     */
    static Bill bill(Ending ending, long promptEstimate, long completionReserve) {
        return bill(ending, promptEstimate, completionReserve, Units.NONE);
    }

    /**
     * @param unitsEstimate the other units reserved (characters, images, seconds of audio): billed
     *                      with the reservation when the backend reported none
     */
    static Bill bill(Ending ending, long promptEstimate, long completionReserve, Units unitsEstimate) {
        return switch (ending) {
            case Ending.Answered answered -> new Bill(answered.usage(), BilledBy.REPORTED);
            case Ending.Counted counted -> new Bill(counted.usage(), BilledBy.COUNTED);
            case Ending.Unmetered unmetered ->
                    reservation(promptEstimate, completionReserve, unitsEstimate, unmetered.streamedTokens(), BilledBy.RESERVATION);
            case Ending.CutShort cut -> cut.reported() != null
                    ? new Bill(cut.reported(), BilledBy.REPORTED)
                    : reservation(promptEstimate, completionReserve, unitsEstimate, cut.streamedTokens(), BilledBy.STREAMED);
            case Ending.BackendError error -> error.reported() != null
                    ? new Bill(error.reported(), BilledBy.REPORTED) : Bill.NOTHING;
            case Ending.Refused refused -> refused.backendWorked()
                    ? reservation(promptEstimate, completionReserve, unitsEstimate, 0, BilledBy.RESERVATION) : Bill.NOTHING;
            case Ending.Crashed crashed -> crashed.backendWorked()
                    ? reservation(promptEstimate, completionReserve, unitsEstimate, crashed.streamedTokens(), BilledBy.RESERVATION)
                    : Bill.NOTHING;
        };
    }

    /** The reservation, raised to what was streamed when that is more. */
    private static Bill reservation(long promptEstimate, long completionReserve, Units unitsEstimate,
                                    long streamedTokens, BilledBy by) {
        return new Bill(new Usage(promptEstimate, Math.max(completionReserve, streamedTokens), 0, unitsEstimate), by);
    }
}
