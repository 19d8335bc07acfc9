package io.portcullis.gateway.proxy;

import io.portcullis.gateway.backend.anthropic.AnthropicResponses;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ErrorWriter;
import io.portcullis.gateway.web.GatewayException;
import io.portcullis.gateway.web.ClientExchange;
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
    void write(ClientExchange exchange, GatewayException e) throws IOException {
        if (this == OPENAI) {
            ErrorWriter.write(exchange, e);
            return;
        }
        if (exchange.committed()) {
            return;
        }
        ErrorWriter.retryAfter(exchange, e);
        ApiError error = e.error();
        exchange.resetBuffer();
        exchange.status(error.status());
        exchange.header("Content-Type", ErrorWriter.JSON_UTF8);
        byte[] body = anthropicJson(error).getBytes(StandardCharsets.UTF_8);
        exchange.contentLength(body.length);
        exchange.output().write(body);
        exchange.flush();
    }

    void write(ClientExchange exchange, ApiError error) throws IOException {
        write(exchange, error.toException());
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
