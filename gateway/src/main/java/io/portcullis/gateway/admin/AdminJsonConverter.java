package io.portcullis.gateway.admin;

import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.StrictJson;
import java.io.IOException;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.AbstractHttpMessageConverter;
import org.springframework.http.converter.HttpMessageConverters;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads every admin request body ({@code @RequestBody JsonNode}: keys, teams, accounts, tokens,
 * backends) with {@link StrictJson}'s rules, ahead of Spring's own JSON converter: UTF-8 only (a
 * {@code charset} other than UTF-8 is 415, because JSON between systems is UTF-8 and a body read as
 * Latin-1 would store other text than the client sent), at most {@value #MAX_BODY_BYTES} bytes
 * (413), duplicate names refused, exact decimals. Never writes.
 */
final class AdminJsonConverter extends AbstractHttpMessageConverter<JsonNode> {

    /** Far above any admin object (100 deny patterns of 1,000 characters are 100 KB). */
    static final int MAX_BODY_BYTES = 1024 * 1024;

    AdminJsonConverter() {
        super(MediaType.APPLICATION_JSON, new MediaType("application", "*+json"));
    }

    @Override
    protected boolean supports(Class<?> clazz) {
        return JsonNode.class.isAssignableFrom(clazz);
    }

    @Override
    public boolean canWrite(Class<?> clazz, MediaType mediaType) {
        return false;
    }

    @Override
    protected JsonNode readInternal(Class<? extends JsonNode> clazz, HttpInputMessage input) throws IOException {
        MediaType type = input.getHeaders().getContentType();
        // The raw parameter: MediaType.getCharset() throws for a name the JVM does not know.
        String charset = type == null ? null : type.getParameter("charset");
        if (charset != null && !charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")
                && !charset.equalsIgnoreCase("\"utf-8\"")) {
            throw new ApiError(415, "JSON request bodies must be UTF-8; send 'Content-Type: application/json'",
                    "invalid_request_error", null, "unsupported_media_type").toException();
        }
        byte[] body = input.getBody().readNBytes(MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) {
            throw ApiError.requestTooLarge(MAX_BODY_BYTES).toException();
        }
        try {
            return StrictJson.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new HttpMessageNotReadableException(e.getOriginalMessage(), e, input);
        }
    }

    @Override
    protected void writeInternal(JsonNode node, HttpOutputMessage output) {
        throw new UnsupportedOperationException("admin bodies are only read");
    }

    /** Puts the converter ahead of Spring's defaults. */
    @Configuration(proxyBeanMethods = false)
    static class Registration implements WebMvcConfigurer {
        @Override
        public void configureMessageConverters(HttpMessageConverters.ServerBuilder builder) {
            builder.addCustomConverter(new AdminJsonConverter());
        }
    }
}
