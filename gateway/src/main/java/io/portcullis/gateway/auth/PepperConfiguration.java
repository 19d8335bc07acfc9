package io.portcullis.gateway.auth;

import io.portcullis.gateway.GatewayProperties;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Where the key pepper comes from. Production sets {@code GATEWAY_KEYS_PEPPER} (the same value on
 * every replica, kept in a secret store). Without it, a random pepper is generated once and kept
 * in the database, so a laptop or a test works with no set-up; the log says so, because then a
 * copy of the database is enough to check guessed keys offline.
 */
@Configuration(proxyBeanMethods = false)
class PepperConfiguration {

    private static final Logger log = LoggerFactory.getLogger(PepperConfiguration.class);
    private static final String SECRET_NAME = "key_pepper";

    @Bean
    KeyHasher keyHasher(GatewayProperties properties, JdbcTemplate jdbc) {
        String configured = properties.keys().pepper();
        if (configured != null && !configured.isBlank()) {
            byte[] pepper = configured.getBytes(StandardCharsets.UTF_8);
            if (pepper.length < 32) {
                throw new IllegalStateException("gateway.keys.pepper (GATEWAY_KEYS_PEPPER) must be at least 32 bytes;"
                        + " generate one with: openssl rand -base64 48");
            }
            return new KeyHasher(pepper);
        }
        byte[] generated = new byte[32];
        new SecureRandom().nextBytes(generated);
        // First replica to get here wins; the others read its value.
        jdbc.update("insert into server_secret (name, value) values (?, ?) on conflict (name) do nothing",
                SECRET_NAME, generated);
        byte[] pepper = jdbc.queryForObject("select value from server_secret where name = ?", byte[].class, SECRET_NAME);
        log.warn("No gateway.keys.pepper (GATEWAY_KEYS_PEPPER) configured: using a pepper stored in the database."
                + " Set one in production so that a database copy alone cannot verify API keys.");
        return new KeyHasher(pepper);
    }
}
