package io.portcullis.policy;

/**
 * Limits of a key or a team (api-contract section 3). Every field is optional: {@code null}
 * means unlimited.
 *
 * @param requestsPerMinute     token-bucket rate of requests (burst = one minute's worth)
 * @param tokensPerMinute       token-bucket rate of tokens (prompt + completion)
 * @param tokensPerDay          tokens per calendar day in the configured time zone
 * @param tokensPerMonth        tokens per calendar month in the configured time zone
 * @param spendPerMonthMicros   spend per calendar month, in micro-dollars (exact)
 * @param maxTokensPerRequest   largest {@code max_tokens} a request may ask for
 * @param maxConcurrentRequests requests in flight at once, across every replica
 */
public record Limits(Long requestsPerMinute, Long tokensPerMinute, Long tokensPerDay, Long tokensPerMonth,
                     Long spendPerMonthMicros, Long maxTokensPerRequest, Long maxConcurrentRequests) {

    /** No limit at all. */
    public static final Limits NONE = new Limits(null, null, null, null, null, null, null);

    public Limits {
        positive("requestsPerMinute", requestsPerMinute);
        positive("tokensPerMinute", tokensPerMinute);
        positive("tokensPerDay", tokensPerDay);
        positive("tokensPerMonth", tokensPerMonth);
        nonNegative("spendPerMonthMicros", spendPerMonthMicros);
        positive("maxTokensPerRequest", maxTokensPerRequest);
        positive("maxConcurrentRequests", maxConcurrentRequests);
    }

    /** @return whether any limit is set */
    public boolean any() {
        return !equals(NONE);
    }

    private static void positive(String name, Long value) {
        if (value != null && value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    private static void nonNegative(String name, Long value) {
        if (value != null && value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
    }
}
