package io.portcullis.gateway.auth;

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
    KeyHasher keyHasher(KeysProperties keys, JdbcTemplate jdbc) {
        String configured = keys.pepper();
        if (configured != null && !configured.isBlank()) {
            // long enough: KeysProperties refused a shorter one when it was bound
            return new KeyHasher(configured.getBytes(StandardCharsets.UTF_8));
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
