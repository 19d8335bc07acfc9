package io.portcullis.gateway.admin;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Console accounts in {@code admin_account}: creation, changes, and password login with lockout.
 * After {@value #FREE_FAILURES} consecutive failed logins an account is locked for a minute, then
 * twice as long after each further failure (at most {@link #MAX_LOCK}); while locked, even the
 * right password is refused. A successful login resets the count.
 */
@Component
class AdminAccounts {

    static final int FREE_FAILURES = 5;
    static final Duration FIRST_LOCK = Duration.ofMinutes(1);
    static final Duration MAX_LOCK = Duration.ofMinutes(30);

    /** An account as stored, without its password hash. */
    record Account(UUID id, String username, AdminRole role, Instant createdAt, Instant updatedAt,
                   Instant disabledAt, int failedLogins, Instant lockedUntil) {
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final PasswordEncoder encoder;
    private final InstantSource clock;
    /** Checked against when the username is unknown, so that answers take the same time. */
    private final String decoyHash;

    AdminAccounts(JdbcTemplate jdbc, TransactionTemplate tx, PasswordEncoder encoder, InstantSource clock) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.encoder = encoder;
        this.clock = clock;
        this.decoyHash = encoder.encode("decoy-password-never-used");
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

    /** @return the identity when the password is right and the account is neither disabled nor locked */
    Optional<AdminIdentity> login(String username, String password) {
        return tx.execute(status -> {
            Instant now = clock.instant();
            var rows = jdbc.query("select * from admin_account where username = ? for update",
                    (rs, i) -> new Object[] {account(rs), rs.getString("password_hash")}, username);
            if (rows.isEmpty()) {
                encoder.matches(password, decoyHash);
                return Optional.<AdminIdentity>empty();
            }
            Account account = (Account) rows.getFirst()[0];
            String hash = (String) rows.getFirst()[1];
            if (account.lockedUntil() != null && now.isBefore(account.lockedUntil())) {
                encoder.matches(password, decoyHash);
                return Optional.<AdminIdentity>empty();
            }
            if (!encoder.matches(password, hash) || account.disabledAt() != null) {
                int failures = account.failedLogins() + 1;
                Instant lockedUntil = failures >= FREE_FAILURES ? now.plus(lockFor(failures)) : null;
                jdbc.update("update admin_account set failed_logins = ?, locked_until = ? where id = ?", failures,
                        lockedUntil == null ? null : Timestamp.from(lockedUntil), account.id());
                return Optional.<AdminIdentity>empty();
            }
            if (encoder.upgradeEncoding(hash)) {
                jdbc.update("update admin_account set password_hash = ? where id = ?", encoder.encode(password),
                        account.id());
            }
            jdbc.update("update admin_account set failed_logins = 0, locked_until = null where id = ?", account.id());
            return Optional.of(new AdminIdentity(account.username(), account.role(), account.id(), null,
                    AdminIdentity.Kind.SESSION));
        });
    }

    /** One minute at the fifth failure, doubling with each further one, capped. */
    static Duration lockFor(int failures) {
        int doublings = Math.min(failures - FREE_FAILURES, 10);
        Duration lock = FIRST_LOCK.multipliedBy(1L << doublings);
        return lock.compareTo(MAX_LOCK) > 0 ? MAX_LOCK : lock;
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
