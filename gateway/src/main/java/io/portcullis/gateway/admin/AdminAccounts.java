package io.portcullis.gateway.admin;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Console accounts in {@code admin_account}: creation, changes, and what a sign-in reads and
 * notes ({@link ConsoleSignIn} decides, {@link SignInThrottle} throttles and locks out).
 */
@Component
class AdminAccounts {

    /** An account as stored, without its password hash. */
    record Account(UUID id, String username, AdminRole role, Instant createdAt, Instant updatedAt,
                   Instant disabledAt, int failedLogins, Instant lockedUntil) {
    }

    private final JdbcTemplate jdbc;
    private final PasswordEncoder encoder;
    private final InstantSource clock;

    AdminAccounts(JdbcTemplate jdbc, PasswordEncoder encoder, InstantSource clock) {
        this.jdbc = jdbc;
        this.encoder = encoder;
        this.clock = clock;
    }

    List<Account> list() {
        return jdbc.query("select * from admin_account order by username", (rs, i) -> account(rs));
    }

    Optional<Account> find(UUID id) {
        return jdbc.query("select * from admin_account where id = ?", (rs, i) -> account(rs), id).stream().findFirst();
    }

    boolean usernameTaken(String username) {
        return !jdbc.queryForList("select 1 from admin_account where username = ?", username).isEmpty();
    }

    Account create(String username, String password, AdminRole role) {
        Instant now = clock.instant();
        UUID id = UUID.randomUUID();
        jdbc.update("""
                insert into admin_account (id, username, password_hash, role, created_at, updated_at)
                values (?, ?, ?, ?, ?, ?)""", id, username, encoder.encode(password), role.value(),
                Timestamp.from(now), Timestamp.from(now));
        return find(id).orElseThrow();
    }

    /** Changes what is given (null: unchanged). A new password also lifts a lockout. */
    Optional<Account> update(UUID id, AdminRole role, String password, Boolean disabled) {
        Instant now = clock.instant();
        if (role != null) {
            jdbc.update("update admin_account set role = ?, updated_at = ? where id = ?", role.value(),
                    Timestamp.from(now), id);
        }
        if (password != null) {
            jdbc.update("update admin_account set password_hash = ?, failed_logins = 0, locked_until = null,"
                    + " updated_at = ? where id = ?", encoder.encode(password), Timestamp.from(now), id);
        }
        if (disabled != null) {
            jdbc.update("update admin_account set disabled_at = ?, updated_at = ? where id = ?",
                    disabled ? Timestamp.from(now) : null, Timestamp.from(now), id);
        }
        return find(id);
    }

    boolean delete(UUID id) {
        return jdbc.update("delete from admin_account where id = ?", id) > 0;
    }

    /** An account with its password hash, read for a sign-in. */
    record Credentials(Account account, String passwordHash) {
    }

    Optional<Credentials> credentials(String username) {
        return jdbc.query("select * from admin_account where username = ?",
                (rs, i) -> new Credentials(account(rs), rs.getString("password_hash")), username).stream().findFirst();
    }

    /**
     * Notes a failed sign-in on the account for admins to see ({@code locked} in its view: some
     * address is locked out of it). The lock-out itself is {@link SignInThrottle}'s, per address.
     */
    void signInFailed(UUID id, Instant lockedUntil) {
        jdbc.update("update admin_account set failed_logins = failed_logins + 1,"
                + " locked_until = greatest(locked_until, ?) where id = ?",
                lockedUntil == null ? null : Timestamp.from(lockedUntil), id);
    }

    /** Resets the failure count, and stores a re-hashed password when its encoding was outdated. */
    void signedIn(UUID id, String password, String hash) {
        if (encoder.upgradeEncoding(hash)) {
            jdbc.update("update admin_account set password_hash = ? where id = ?", encoder.encode(password), id);
        }
        jdbc.update("update admin_account set failed_logins = 0, locked_until = null where id = ?", id);
    }

    private static Account account(ResultSet rs) throws SQLException {
        return new Account(rs.getObject("id", UUID.class), rs.getString("username"),
                AdminRole.valueOf(rs.getString("role").toUpperCase(java.util.Locale.ROOT)),
                instant(rs, "created_at"), instant(rs, "updated_at"), instant(rs, "disabled_at"),
                rs.getInt("failed_logins"), instant(rs, "locked_until"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
