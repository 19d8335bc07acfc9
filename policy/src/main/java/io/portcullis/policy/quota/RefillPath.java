package io.portcullis.policy.quota;

/**
 * Why a lease went to the store for units. Bounded on purpose: it becomes a metric tag.
 */
public enum RefillPath {
    /** A request found the lease short and waited for the store on its own path. */
    FOREGROUND,
    /** The lease fell under its low-water mark and was topped up ahead of need, off the request path. */
    BACKGROUND;

    /** The metric tag value: {@code foreground} or {@code background}. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
