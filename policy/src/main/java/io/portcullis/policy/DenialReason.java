package io.portcullis.policy;

/**
 * Why a request was refused. A closed set, so it is safe as a metric tag.
 *
 * <p>The {@link #tag()} values appear in metrics and in the usage ledger's {@code outcome}
 * column; dashboards and alerts depend on them, so never rename one.
 */
public enum DenialReason {
    /** The key was revoked by an admin. */
    KEY_REVOKED("key_revoked"),
    /** The key is past its expiry instant. */
    KEY_EXPIRED("key_expired"),
    /** The key's allow list does not include the requested model. */
    MODEL_NOT_ALLOWED("model_not_allowed");

    private final String tag;

    DenialReason(String tag) {
        this.tag = tag;
    }

    /** @return the fixed, lower-case name used in metrics and the ledger */
    public String tag() {
        return tag;
    }
}
