package io.portcullis.gateway.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.portcullis.gateway.audit.AuditLog;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
 * token, stores its digest and prints it once. Personal tokens belong to an account and act with
 * its current role; a disabled or deleted account's tokens stop working. A revocation reaches
 * other replicas within {@link #CACHE_TTL}.
 *
 * <p>A token nobody issued costs no database query ({@link LiveTokenDigests}), and each client
 * address may present at most {@code gateway.admin.throttle.token-failures-per-address} of them a
 * minute before it hears 429 (a live token is still admitted: checking it costs nothing, and
 * an admin sharing an address with a guesser is not locked out). The bootstrap token must be at
 * least {@value #BOOTSTRAP_MIN_BYTES} bytes ({@link AdminProperties}).
 */
@Component
class AdminTokens {

    private static final Logger log = LoggerFactory.getLogger(AdminTokens.class);
    /** Prefix of generated admin tokens, distinct from API keys so one is never taken for the other. */
    static final String PREFIX = "gwadm-";
    static final Duration CACHE_TTL = Duration.ofSeconds(10);
    static final int BOOTSTRAP_MIN_BYTES = AdminProperties.BOOTSTRAP_TOKEN_MIN_BYTES;
    /** Characters of a token kept in clear to recognise it in lists (the prefix plus six random ones). */
    static final int SHOWN_CHARS = PREFIX.length() + 6;

    /** A stored token as listed to admins: never the token nor its hash. */
    record TokenView(UUID id, String name, String prefix, UUID accountId, String username, Instant createdAt,
                     Instant revokedAt) {
    }

    /** A newly created token, with its secret shown this once. */
    record Issued(TokenView view, String token) {
        @Override
        public String toString() {
            return "Issued[" + view + "]";
        }
    }

    /** What a presented bearer token gets. */
    sealed interface Verdict {
        /** A live token: the caller is this identity. */
        record Admitted(AdminIdentity identity) implements Verdict {
        }

        /** Not a live token: 401. */
        record Refused() implements Verdict {
        }

        /** Not a live token, and this address has presented too many this minute: 429. */
        record Throttled(Duration retryAfter) implements Verdict {
        }
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final InstantSource clock;
    private final AuditLog audit;
    private final byte[] bootstrapDigest;
    private final LiveTokenDigests live;
    private final FailureWindow failures;
    private final Cache<String, Optional<AdminIdentity>> known = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(CACHE_TTL).build();

    AdminTokens(JdbcTemplate jdbc, TransactionTemplate tx, InstantSource clock, AdminProperties properties,
                AdminThrottleProperties throttle, AuditLog audit) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.clock = clock;
        this.audit = audit;
        String bootstrap = properties.bootstrapToken();
        this.bootstrapDigest = bootstrap == null || bootstrap.isBlank() ? null : digest(bootstrap);
        this.live = new LiveTokenDigests(jdbc, clock);
        this.failures = new FailureWindow(throttle.tokenFailuresPerAddress(), Duration.ofMinutes(1), clock);
    }

    /** Judges a bearer token presented from {@code address}. */
    Verdict authenticate(String token, String address) {
        var identity = resolve(token);
        if (identity.isPresent()) {
            return new Verdict.Admitted(identity.get());
        }
        Duration refused = failures.refusedFor(address);
        if (refused.isPositive()) {
            return new Verdict.Throttled(refused);
        }
        if (failures.failed(address)) {
            log.warn("Admin bearer tokens throttled for {}: too many unknown tokens this minute", address);
            audit.recordAs("system", "token.throttled", "address", address, null, Map.of("address", address));
        }
        return new Verdict.Refused();
    }

    /** @return who the presented bearer token stands for, empty when it is not a live admin token */
    Optional<AdminIdentity> resolve(String token) {
        if (token == null || token.isEmpty() || token.length() > 512) {
            return Optional.empty();
        }
        byte[] digest = digest(token);
        if (bootstrapDigest != null && MessageDigest.isEqual(bootstrapDigest, digest)) {
            return Optional.of(new AdminIdentity(AdminIdentity.BOOTSTRAP, AdminRole.ADMIN, null, null,
                    AdminIdentity.Kind.BOOTSTRAP_TOKEN));
        }
        String hex = HexFormat.of().formatHex(digest);
        var cached = known.getIfPresent(hex);
        if (cached != null) {
            return cached;
        }
        if (!live.mayExist(hex)) {
            return Optional.empty();
        }
        return known.get(hex, h -> jdbc.query("""
                select t.id, t.name, t.account_id, a.username, a.role, a.disabled_at
                from admin_token t left join admin_account a on a.id = t.account_id
                where t.token_hash = ? and t.revoked_at is null""", (rs, i) -> {
            UUID tokenId = rs.getObject("id", UUID.class);
            UUID accountId = rs.getObject("account_id", UUID.class);
            if (accountId == null) {
                return Optional.of(new AdminIdentity(AdminIdentity.BOOTSTRAP, AdminRole.ADMIN, null, tokenId,
                        AdminIdentity.Kind.BOOTSTRAP_TOKEN));
            }
            if (rs.getString("username") == null || rs.getTimestamp("disabled_at") != null) {
                return Optional.<AdminIdentity>empty();
            }
            return Optional.of(new AdminIdentity(rs.getString("username") + " (token " + rs.getString("name") + ")",
                    AdminRole.valueOf(rs.getString("role").toUpperCase(Locale.ROOT)), accountId, tokenId,
                    AdminIdentity.Kind.TOKEN));
        }, digest).stream().findFirst().flatMap(o -> o));
    }

    /** Creates a personal token for an account. */
    Issued create(String name, UUID accountId) {
        String token = generate();
        UUID id = UUID.randomUUID();
        jdbc.update("insert into admin_token (id, name, token_hash, created_at, account_id, prefix) values (?, ?, ?, ?, ?, ?)",
                id, name, digest(token), Timestamp.from(clock.instant()), accountId, token.substring(0, SHOWN_CHARS));
        live.add(HexFormat.of().formatHex(digest(token)));
        known.invalidate(HexFormat.of().formatHex(digest(token)));
        return new Issued(find(id).orElseThrow(), token);
    }

    List<TokenView> list() {
        return jdbc.query(VIEW + " order by t.created_at desc", (rs, i) -> view(rs));
    }

    Optional<TokenView> find(UUID id) {
        return jdbc.query(VIEW + " where t.id = ?", (rs, i) -> view(rs), id).stream().findFirst();
    }

    /** Revokes (idempotent) and forgets every cached answer on this replica at once. */
    Optional<TokenView> revoke(UUID id) {
        jdbc.update("update admin_token set revoked_at = ? where id = ? and revoked_at is null",
                Timestamp.from(clock.instant()), id);
        known.invalidateAll();
        live.forget();
        return find(id);
    }

    /** Cached answers may name a role or account state that just changed. */
    void forgetCached() {
        known.invalidateAll();
    }

    private static final String VIEW = """
            select t.id, t.name, t.prefix, t.account_id, a.username, t.created_at, t.revoked_at
            from admin_token t left join admin_account a on a.id = t.account_id""";

    private static TokenView view(ResultSet rs) throws SQLException {
        Timestamp revoked = rs.getTimestamp("revoked_at");
        return new TokenView(rs.getObject("id", UUID.class), rs.getString("name"), rs.getString("prefix"),
                rs.getObject("account_id", UUID.class), rs.getString("username"),
                rs.getTimestamp("created_at").toInstant(), revoked == null ? null : revoked.toInstant());
    }

    private static String generate() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
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
            String token = generate();
            UUID id = UUID.randomUUID();
            jdbc.update("insert into admin_token (id, name, token_hash, created_at, prefix) values (?, ?, ?, ?, ?)",
                    id, "bootstrap", digest(token), Timestamp.from(clock.instant()), token.substring(0, SHOWN_CHARS));
            audit.recordAs("system", "token.generate", "token", id.toString(), null, find(id).orElseThrow());
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
