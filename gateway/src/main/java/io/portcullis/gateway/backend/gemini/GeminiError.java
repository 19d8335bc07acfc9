package io.portcullis.gateway.backend.gemini;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Gemini error answer ({@code {"error":{"code","message","status","details":[...]}}}) in the
 * contract's terms. Google's canonical {@code status} decides, the HTTP status when it is missing:
 *
 * <ul>
 *   <li>{@code RESOURCE_EXHAUSTED} → 429 {@code rate_limit_exceeded};
 *   <li>{@code INVALID_ARGUMENT} → 400 {@code invalid_request_error};
 *   <li>{@code NOT_FOUND} → 404 {@code model_not_found} (the configured upstream model or method);
 *   <li>the gateway's own key refused ({@code UNAUTHENTICATED}, {@code PERMISSION_DENIED}, an
 *       {@code INVALID_ARGUMENT} whose reason is {@code API_KEY_INVALID}) and
 *       {@code FAILED_PRECONDITION} (the upstream account cannot serve: region, billing) →
 *       502 {@code upstream_error}: the client's own key is fine, so never its 401/403;
 *   <li>{@code UNAVAILABLE} → 503 {@code upstream_unavailable}; {@code DEADLINE_EXCEEDED} → 504
 *       {@code upstream_timeout}; any other 5xx ({@code INTERNAL}) → 502 {@code upstream_error}.
 * </ul>
 *
 * <p>Google's {@code details} are not passed on: their {@code DebugInfo} can quote the upstream key.
 *
 * @param status         the client's status
 * @param type           OpenAI's error type
 * @param code           the contract's error code
 * @param message        Google's message, or one the gateway wrote
 * @param gatewaysFault  the failure is the gateway's or its upstream account's, not the request's
 */
public record GeminiError(int status, String type, String code, String message, boolean gatewaysFault) {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /**
     * @param httpStatus the backend's status (not 2xx)
     * @param body       the parsed answer, or null when it was not JSON
     */
    public static GeminiError of(int httpStatus, JsonNode body) {
        JsonNode error = body == null ? JSON.missingNode() : body.path("error");
        String status = error.path("status").isString() ? error.path("status").asString() : canonical(httpStatus);
        String message = error.path("message").isString() ? error.path("message").asString()
                : "The Gemini backend answered " + httpStatus;
        if (keyRefused(status, error)) {
            return new GeminiError(502, "server_error", "upstream_error",
                    "The Gemini backend refused the gateway's API key (" + status + ")", true);
        }
        return switch (status) {
            case "RESOURCE_EXHAUSTED" -> new GeminiError(429, "requests", "rate_limit_exceeded", message, false);
            case "INVALID_ARGUMENT", "OUT_OF_RANGE" ->
                    new GeminiError(400, "invalid_request_error", "invalid_request_error", message, false);
            case "NOT_FOUND" -> new GeminiError(404, "invalid_request_error", "model_not_found", message, false);
            case "FAILED_PRECONDITION" -> new GeminiError(502, "server_error", "upstream_error",
                    "The Gemini backend cannot serve the gateway's account: " + message, true);
            case "UNAVAILABLE" -> new GeminiError(503, "server_error", "upstream_unavailable", message, true);
            case "DEADLINE_EXCEEDED" -> new GeminiError(504, "server_error", "upstream_timeout", message, true);
            default -> httpStatus >= 500
                    ? new GeminiError(502, "server_error", "upstream_error", message, true)
                    : new GeminiError(httpStatus, "invalid_request_error", "invalid_request_error", message, false);
        };
    }

    /** The error in OpenAI's shape. */
    public ObjectNode toOpenAi() {
        ObjectNode out = JSON.objectNode();
        ObjectNode e = out.putObject("error");
        e.put("message", message);
        e.put("type", type);
        e.putNull("param");
        e.put("code", code);
        return out;
    }

    private static boolean keyRefused(String status, JsonNode error) {
        if (status.equals("UNAUTHENTICATED") || status.equals("PERMISSION_DENIED")) {
            return true;
        }
        for (JsonNode detail : error.path("details")) {
            String reason = detail.path("reason").asString("");
            if (reason.startsWith("API_KEY_") || reason.equals("SERVICE_DISABLED")) {
                return true; // API_KEY_INVALID, API_KEY_EXPIRED, API_KEY_SERVICE_BLOCKED...
            }
        }
        return false;
    }

    /** Google's canonical status for an HTTP status, when the body names none. */
    private static String canonical(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 503 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> "HTTP_" + httpStatus;
        };
    }
}
