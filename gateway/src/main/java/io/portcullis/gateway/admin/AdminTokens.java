package io.portcullis.gateway.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.portcullis.gateway.GatewayProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.sql.Timestamp;
import java.util.Base64;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Admin bearer tokens: the configured bootstrap token ({@code GATEWAY_ADMIN_TOKEN}) and tokens
 * stored (as SHA-256 digests; they are long random strings, so no pepper is needed) in
 * {@code admin_token}. With no configured token and no stored one, a first start generates a
 * token, stores its digest and prints it once.
 */
@Component
class AdminTokens {

    private static final Logger log = LoggerFactory.getLogger(AdminTokens.class);
    /** Prefix of generated admin tokens, distinct from API keys so one is never taken for the other. */
    static final String PREFIX = "gwadm-";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final InstantSource clock;
    private final byte[] bootstrapDigest;
    private final Cache<String, Boolean> known = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Duration.ofSeconds(10)).build();

    AdminTokens(JdbcTemplate jdbc, TransactionTemplate tx, InstantSource clock, GatewayProperties properties) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.clock = clock;
        String bootstrap = properties.admin().bootstrapToken();
        this.bootstrapDigest = bootstrap == null || bootstrap.isBlank() ? null : digest(bootstrap);
    }

    /** @return whether the presented bearer token is a live admin token */
    boolean isValid(String token) {
        if (token == null || token.isEmpty() || token.length() > 512) {
            return false;
        }
        byte[] digest = digest(token);
        if (bootstrapDigest != null && MessageDigest.isEqual(bootstrapDigest, digest)) {
            return true;
        }
        String hex = java.util.HexFormat.of().formatHex(digest);
        return known.get(hex, h -> !jdbc.queryForList(
                "select 1 from admin_token where token_hash = ? and revoked_at is null", digest).isEmpty());
    }

    @EventListener(ApplicationReadyEvent.class)
    void generateBootstrapTokenOnFirstStart() {
        if (bootstrapDigest != null) {
            return;
        }
        String generated = tx.execute(status -> {
            // One replica at a time, so two first starts do not both print a token.
            jdbc.queryForList("select pg_advisory_xact_lock(7235001)");
            Integer existing = jdbc.queryForObject("select count(*) from admin_token", Integer.class);
            if (existing != null && existing > 0) {
                return null;
            }
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            jdbc.update("insert into admin_token (id, name, token_hash, created_at) values (?, ?, ?, ?)",
                    UUID.randomUUID(), "bootstrap", digest(token), Timestamp.from(clock.instant()));
            return token;
        });
        if (generated != null) {
            // Printed once, on purpose: this is the only way to learn it. Not repeated on later starts.
            log.warn("""

                    ************************************************************************
                    No GATEWAY_ADMIN_TOKEN was set: generated an admin token (shown only now):

                        {}

                    Use it as 'Authorization: Bearer <token>' on /admin/api.
                    ************************************************************************""", generated);
        }
    }

    static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
