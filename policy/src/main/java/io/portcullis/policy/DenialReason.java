package io.portcullis.policy;

/**
 * Why a request was refused. A closed set, so it is safe as a metric tag.
 *
 * <p>The {@link #tag()} values appear in metrics and in the usage ledger's {@code outcome}
 * column; dashboards and alerts depend on them, so never rename one. {@link #kind()} says
 * which contract error the HTTP edge answers with.
 */
public enum DenialReason {
    /** The key was revoked by an admin. */
    KEY_REVOKED("key_revoked", Kind.AUTHENTICATION),
    /** The key is past its expiry instant. */
    KEY_EXPIRED("key_expired", Kind.AUTHENTICATION),
    /** The key's (or team's) allow list does not include the requested model. */
    MODEL_NOT_ALLOWED("model_not_allowed", Kind.MODEL),
    /** The request carries an input modality (image, audio, file) the policy does not allow. */
    MODALITY_NOT_ALLOWED("modality_not_allowed", Kind.POLICY),
    /** The client's address is outside the allowed networks. */
    ADDRESS_NOT_ALLOWED("address_not_allowed", Kind.POLICY),
    /** The request's text matches a deny pattern, the check exceeded its budget, or the text is too long to check. */
    CONTENT_DENIED("content_denied", Kind.POLICY),
    /** The request asks for a provider-hosted tool (web search, code interpreter...) the policy does not list. */
    HOSTED_TOOL_NOT_ALLOWED("hosted_tool_not_allowed", Kind.POLICY),
    /** The request asks for more output tokens than {@code maxTokensPerRequest}. */
    MAX_TOKENS_EXCEEDED("max_tokens_exceeded", Kind.POLICY),
    /** {@code requestsPerMinute} is used up for now. */
    REQUESTS_PER_MINUTE("requests_per_minute", Kind.RATE),
    /** {@code tokensPerMinute} is used up for now. */
    TOKENS_PER_MINUTE("tokens_per_minute", Kind.RATE),
    /** {@code maxConcurrentRequests} are already in flight. */
    CONCURRENCY("concurrency", Kind.RATE),
    /** {@code tokensPerDay} is used up until the next calendar day. */
    TOKENS_PER_DAY("tokens_per_day", Kind.BUDGET),
    /** {@code tokensPerMonth} is used up until the next calendar month. */
    TOKENS_PER_MONTH("tokens_per_month", Kind.BUDGET),
    /** {@code spendPerMonthUsd} is used up until the next calendar month. */
    SPEND_PER_MONTH("spend_per_month", Kind.BUDGET),
    /** The shared quota store cannot be reached and no local lease covers the request. */
    QUOTA_UNAVAILABLE("quota_unavailable", Kind.UNAVAILABLE);

    /** Which family of contract error a reason belongs to. */
    public enum Kind {
        /** 401 invalid_api_key */
        AUTHENTICATION,
        /** 403 model_not_allowed */
        MODEL,
        /** 403 policy_violation */
        POLICY,
        /** 429 rate_limit_exceeded, with Retry-After */
        RATE,
        /** 429 insufficient_quota, with Retry-After until the window resets */
        BUDGET,
        /** 503 */
        UNAVAILABLE
    }

    private final String tag;
    private final Kind kind;

    DenialReason(String tag, Kind kind) {
        this.tag = tag;
        this.kind = kind;
    }

    /** @return the fixed, lower-case name used in metrics and the ledger */
    public String tag() {
        return tag;
    }

    public Kind kind() {
        return kind;
    }
}
