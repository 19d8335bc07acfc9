package io.portcullis.policy.quota;

import io.portcullis.policy.DenialReason;

/**
 * One kind of quota, and how its shared state behaves.
 *
 * <ul>
 *   <li>{@link Shape#BUCKET}: a token bucket holding one minute's worth, refilled continuously
 *       (so "per minute" is smooth: no burst of twice the limit across a minute boundary);</li>
 *   <li>{@link Shape#WINDOW}: a counter per calendar day or month in the configured time zone;</li>
 *   <li>{@link Shape#SLOTS}: requests in flight, held per replica and given back when they end.</li>
 * </ul>
 */
public enum Metric {
    REQUESTS_PER_MINUTE(Shape.BUCKET, DenialReason.REQUESTS_PER_MINUTE),
    TOKENS_PER_MINUTE(Shape.BUCKET, DenialReason.TOKENS_PER_MINUTE),
    TOKENS_PER_DAY(Shape.WINDOW, DenialReason.TOKENS_PER_DAY),
    TOKENS_PER_MONTH(Shape.WINDOW, DenialReason.TOKENS_PER_MONTH),
    SPEND_PER_MONTH(Shape.WINDOW, DenialReason.SPEND_PER_MONTH),
    CONCURRENT_REQUESTS(Shape.SLOTS, DenialReason.CONCURRENCY);

    /** How the shared state of a metric behaves. */
    public enum Shape { BUCKET, WINDOW, SLOTS }

    private final Shape shape;
    private final DenialReason reason;

    Metric(Shape shape, DenialReason reason) {
        this.shape = shape;
        this.reason = reason;
    }

    public Shape shape() {
        return shape;
    }

    /** The denial reported when this metric refuses a request. */
    public DenialReason reason() {
        return reason;
    }

    /** Whether the amount is tokens (settled to real usage) rather than requests or money. */
    boolean countsTokens() {
        return this == TOKENS_PER_MINUTE || this == TOKENS_PER_DAY || this == TOKENS_PER_MONTH;
    }
}
