package io.portcullis.gateway.admin;

import java.nio.charset.StandardCharsets;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code gateway.admin.*}: the admin API's bootstrap credential ({@link AdminTokens}). Single
 * sign-on and the failed-authentication throttle have their own records under this prefix
 * ({@link ConsoleSsoProperties}, {@link AdminThrottleProperties}).
 *
 * @param bootstrapToken admin bearer token from {@code GATEWAY_ADMIN_TOKEN}, at least
 *                       {@value #BOOTSTRAP_TOKEN_MIN_BYTES} bytes; when empty on a first start,
 *                       one is generated, stored hashed and printed once
 */
@ConfigurationProperties(AdminProperties.PREFIX)
record AdminProperties(String bootstrapToken) {

    static final String PREFIX = "gateway.admin";
    /** A shorter bootstrap token could be guessed; it is refused at start. */
    static final int BOOTSTRAP_TOKEN_MIN_BYTES = 32;

    AdminProperties {
        if (bootstrapToken != null && !bootstrapToken.isBlank()
                && bootstrapToken.getBytes(StandardCharsets.UTF_8).length < BOOTSTRAP_TOKEN_MIN_BYTES) {
            throw new IllegalArgumentException("gateway.admin.bootstrap-token (GATEWAY_ADMIN_TOKEN) must be at least "
                    + BOOTSTRAP_TOKEN_MIN_BYTES + " bytes; generate one with: openssl rand -base64 32");
        }
    }

    @Override
    public String toString() {
        return "AdminProperties[bootstrapToken=" + (bootstrapToken == null ? "unset" : "***") + "]";
    }
}
