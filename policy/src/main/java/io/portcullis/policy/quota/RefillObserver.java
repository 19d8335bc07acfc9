package io.portcullis.policy.quota;

/**
 * Hears of every store call a lease makes for units, so the gateway can count how often a request
 * waited for the database. Called on the thread that makes the call; must not block.
 */
@FunctionalInterface
public interface RefillObserver {

    /** Hears nothing. */
    RefillObserver NONE = path -> {
    };

    void refilled(RefillPath path);
}
