package io.portcullis.gateway.usage;

/**
 * How a ledger row's tokens and cost were arrived at. Stored as {@link #code()} in
 * {@code usage_event.billed_by} and used as a metric tag ({@link #tag()}): never renumber or
 * rename one. Lets an admin see which backends answer without usage figures.
 */
public enum BilledBy {
    /** No backend produced an answer (refused, or failed before one): nothing to bill. */
    NONE(0, "none"),
    /** The backend's own usage figures. */
    REPORTED(1, "reported"),
    /** The backend answered without usage figures (or broke off): billed the request's reservation. */
    RESERVATION(2, "reservation"),
    /** A stream cut short: billed the larger of its reservation and the tokens counted as streamed. */
    STREAMED(3, "streamed"),
    /**
     * The answer carries no usage figures, but what it is priced by was counted exactly by the
     * gateway: the characters a speech request asked to be spoken.
     */
    COUNTED(4, "counted");

    private final short code;
    private final String tag;

    BilledBy(int code, String tag) {
        this.code = (short) code;
        this.tag = tag;
    }

    /** The value stored in the ledger. */
    public short code() {
        return code;
    }

    /** The value used in metrics and API answers. */
    public String tag() {
        return tag;
    }

    public static BilledBy ofCode(short code) {
        for (BilledBy b : values()) {
            if (b.code == code) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown billed_by code " + code);
    }
}
