package io.portcullis.policy;

/**
 * Limits of a key or a team (api-contract section 3). Every field is optional: {@code null}
 * means unlimited.
 *
 * <p>Every limit has a maximum (docs/quotas.md, "What can be limited"), so that no sum or
 * product in the quota arithmetic, in Java or in the lease store's SQL, comes near the range of
 * a {@code long}: a per-minute bucket holds {@code limit × 1000} milli-units (at most 10^12), a
 * window counter at most twice its limit (10^15 each), concurrency slots are few. A larger
 * value is refused, not clamped.
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

    /** Largest {@code requestsPerMinute} and {@code tokensPerMinute}: 10^9. */
    public static final long MAX_PER_MINUTE = 1_000_000_000L;
    /** Largest {@code tokensPerDay} and {@code tokensPerMonth}: 10^15. */
    public static final long MAX_TOKEN_BUDGET = 1_000_000_000_000_000L;
    /** Largest {@code spendPerMonthMicros}: 10^15 micro-dollars, one billion US dollars. */
    public static final long MAX_SPEND_MICROS = 1_000_000_000_000_000L;
    /** Largest {@code maxTokensPerRequest}: 10^9. */
    public static final long MAX_TOKENS_PER_REQUEST = 1_000_000_000L;
    /** Largest {@code maxConcurrentRequests}: 10^6. */
    public static final long MAX_CONCURRENT = 1_000_000L;

    /** No limit at all. */
    public static final Limits NONE = new Limits(null, null, null, null, null, null, null);

    /** @throws IllegalArgumentException for a value below its minimum (1; 0 for spend) or above its maximum */
    public Limits {
        check("requestsPerMinute", requestsPerMinute, 1, MAX_PER_MINUTE);
        check("tokensPerMinute", tokensPerMinute, 1, MAX_PER_MINUTE);
        check("tokensPerDay", tokensPerDay, 1, MAX_TOKEN_BUDGET);
        check("tokensPerMonth", tokensPerMonth, 1, MAX_TOKEN_BUDGET);
        check("spendPerMonthMicros", spendPerMonthMicros, 0, MAX_SPEND_MICROS);
        check("maxTokensPerRequest", maxTokensPerRequest, 1, MAX_TOKENS_PER_REQUEST);
        check("maxConcurrentRequests", maxConcurrentRequests, 1, MAX_CONCURRENT);
    }

    /** @return whether any limit is set */
    public boolean any() {
        return !equals(NONE);
    }

    private static void check(String name, Long value, long min, long max) {
        if (value != null && (value < min || value > max)) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
        }
    }
}
