package io.portcullis.gateway.alert;

import java.util.Optional;

/**
 * The events a webhook may ask for (docs/alerts.md). {@link #tag()} is the name on the wire, in
 * the database and as a metric tag: never change one.
 */
public enum AlertEvent {
    /** A limit crossed one of its scope's {@code alertAt} percentages; once per window and percentage. */
    BUDGET_THRESHOLD("budget.threshold"),
    /** A limit refused its first request in a window. */
    BUDGET_EXHAUSTED("budget.exhausted"),
    /** A key expires in 7 days, or in 1 day. */
    KEY_EXPIRING("key.expiring");

    private final String tag;

    AlertEvent(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }

    public static Optional<AlertEvent> of(String tag) {
        for (AlertEvent e : values()) {
            if (e.tag.equals(tag)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
