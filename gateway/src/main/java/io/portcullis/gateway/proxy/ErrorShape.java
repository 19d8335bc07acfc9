package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.anthropic.AnthropicResponses;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ErrorWriter;
import io.portcullis.gateway.web.GatewayException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The shape of the gateway's own errors for each client protocol (contract section 2): OpenAI's
 * for the OpenAI endpoints, Anthropic's on {@code /v1/messages}, so that each protocol's official
 * SDK raises its usual exceptions. The Anthropic shape keeps the contract's {@code code} beside
 * Anthropic's {@code type}, so a client of either kind can tell the gateway's reasons apart.
 */
enum ErrorShape {
    OPENAI,
    ANTHROPIC;

    static ErrorShape of(Endpoint endpoint) {
        return endpoint == Endpoint.MESSAGES ? ANTHROPIC : OPENAI;
    }

    /** Writes the error (and its {@code Retry-After}) unless the response is already committed. */
    void write(HttpServletResponse response, GatewayException e) throws IOException {
        if (this == OPENAI) {
            ErrorWriter.write(response, e);
            return;
        }
        if (response.isCommitted()) {
            return;
        }
        ErrorWriter.retryAfter(response, e);
        ApiError error = e.error();
        response.resetBuffer();
        response.setStatus(error.status());
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        byte[] body = anthropicJson(error).getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.flushBuffer();
    }

    void write(HttpServletResponse response, ApiError error) throws IOException {
        write(response, error.toException());
    }

    /** {@code {"type":"error","error":{"type","message","code"}}}. */
    static String anthropicJson(ApiError error) {
        var sb = new StringBuilder(128 + error.message().length());
        sb.append("{\"type\":\"error\",\"error\":{\"type\":");
        ErrorWriter.quote(sb, AnthropicResponses.errorType(error.status()));
        sb.append(",\"message\":");
        ErrorWriter.quote(sb, error.message());
        sb.append(",\"code\":");
        ErrorWriter.quote(sb, error.code());
        sb.append("}}");
        return sb.toString();
    }
}
