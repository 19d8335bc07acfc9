package io.portcullis.gateway.web;

import io.portcullis.policy.Decision;
import io.portcullis.policy.DenialReason;

/**
 * An error answer in OpenAI's shape:
 * {@code {"error":{"message":"...","type":"...","param":null,"code":"..."}}}.
 *
 * <p>The {@code code} strings are part of the public contract (api-contract.md section 2):
 * clients switch on them, so never rename one.
 */
public record ApiError(int status, String message, String type, String param, String code) {

    public static ApiError invalidRequest(String message, String param) {
        return new ApiError(400, message, "invalid_request_error", param, "invalid_request_error");
    }

    public static ApiError invalidApiKey(String message) {
        return new ApiError(401, message, "invalid_request_error", null, "invalid_api_key");
    }

    public static ApiError modelNotAllowed(String message) {
        return new ApiError(403, message, "invalid_request_error", "model", "model_not_allowed");
    }

    /**
     * The contract's answer to a policy or quota denial: 401, 403 {@code model_not_allowed},
     * 403 {@code policy_violation}, 429 {@code rate_limit_exceeded}, 429 {@code insufficient_quota}
     * or 503. The caller sets {@code Retry-After} from the denial.
     */
    public static ApiError of(Decision.Denied denied) {
        DenialReason reason = denied.reason();
        return switch (reason.kind()) {
            case AUTHENTICATION -> invalidApiKey(denied.message());
            case MODEL -> modelNotAllowed(denied.message());
            case POLICY -> new ApiError(403, denied.message(), "invalid_request_error",
                    reason == DenialReason.MAX_TOKENS_EXCEEDED ? "max_tokens" : null, "policy_violation");
            // OpenAI's own type values: "requests" or "tokens" for rate limits.
            case RATE -> new ApiError(429, denied.message(),
                    reason == DenialReason.TOKENS_PER_MINUTE ? "tokens" : "requests", null, "rate_limit_exceeded");
            case BUDGET -> new ApiError(429, denied.message(), "insufficient_quota", null, "insufficient_quota");
            case UNAVAILABLE -> serviceUnavailable(denied.message());
        };
    }

    public static ApiError modelNotFound(String model) {
        return new ApiError(404, "The model '" + model + "' does not exist or is not served by this gateway",
                "invalid_request_error", "model", "model_not_found");
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, message, "invalid_request_error", null, "not_found");
    }

    public static ApiError requestTooLarge(long limitBytes) {
        return new ApiError(413, "Request body is larger than the limit of " + limitBytes + " bytes",
                "invalid_request_error", null, "request_too_large");
    }

    /**
     * The request body did not arrive within its deadline, or stopped arriving. Tomcat answers a
     * read that times out itself (an error dispatch, see {@link #ofStatus}), with the same code.
     */
    public static ApiError requestTimeout() {
        return new ApiError(408, "The request body was not received in time", "invalid_request_error", null,
                "request_timeout");
    }

    public static ApiError upstreamError(String message) {
        return new ApiError(502, message, "server_error", null, "upstream_error");
    }

    public static ApiError upstreamUnavailable(String message) {
        return new ApiError(503, message, "server_error", null, "upstream_unavailable");
    }

    public static ApiError upstreamTimeout(String message) {
        return new ApiError(504, message, "server_error", null, "upstream_timeout");
    }

    /** The gateway's own store is unreachable and the answer cannot be decided safely. */
    public static ApiError serviceUnavailable(String message) {
        return new ApiError(503, message, "server_error", null, "service_unavailable");
    }

    /** This replica is already handling as many requests as it is allowed to (gateway.max-concurrent-requests). */
    public static ApiError overloaded() {
        return new ApiError(503, "The gateway is handling as many requests as it can; retry shortly", "server_error",
                null, "overloaded");
    }

    public static ApiError internal() {
        return new ApiError(500, "The gateway failed to handle the request; it has been logged",
                "server_error", null, "internal_error");
    }

    /** Any other status raised by the web layer (405, 406, 415...), with a code derived from it. */
    public static ApiError ofStatus(int status, String message) {
        String code = switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "invalid_api_key";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 408 -> "request_timeout";
            case 413 -> "request_too_large";
            case 415 -> "unsupported_media_type";
            case 429 -> "rate_limit_exceeded";
            default -> status >= 500 ? "internal_error" : "invalid_request_error";
        };
        return new ApiError(status, message, status >= 500 ? "server_error" : "invalid_request_error", null, code);
    }

    public ApiError withParam(String param) {
        return new ApiError(status, message, type, param, code);
    }

    /** The exception form, for unwinding from deep in the request path to the edge. */
    public GatewayException toException() {
        return new GatewayException(this);
    }
}
