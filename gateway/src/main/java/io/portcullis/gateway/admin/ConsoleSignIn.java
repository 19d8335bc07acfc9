package io.portcullis.gateway.admin;

import io.portcullis.gateway.audit.AuditLog;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * A console password sign-in from one client address: throttled ({@link SignInThrottle}) before
 * anything costly, checked against {@link AdminAccounts} with bcrypt, and audited. Wrong password,
 * unknown user, disabled, locked and throttled all look the same to the caller; the audit log
 * says which (with the address), so admins can tell an attack from a forgotten password.
 *
 * <p>Audited: every sign-in ({@code sign-in}) and every failure whose password was checked
 * ({@code sign-in.failed}), a lock-out when it begins ({@code account.lock}) and a throttle when it
 * starts refusing ({@code sign-in.throttled}). Refused attempts are not audited one by one: that
 * would let an attacker write to the database as fast as they can send.
 */
@Component
class ConsoleSignIn {

    private static final Logger log = LoggerFactory.getLogger(ConsoleSignIn.class);
    static final String ANONYMOUS = "anonymous";
    private static final String UNKNOWN_USER_STAMP = "-";

    private final AdminAccounts accounts;
    private final PasswordEncoder encoder;
    private final SignInThrottle throttle;
    private final AuditLog audit;
    /**
     * Checked against when the username is unknown, so that answers take the same time. Made at the
     * first sign-in, whoever signs in (a bcrypt hash costs ~0.1 s of CPU that a start need not pay):
     * the one slower answer says nothing about whether the name exists.
     */
    private volatile String decoyHash;

    ConsoleSignIn(AdminAccounts accounts, PasswordEncoder encoder, SignInThrottle throttle, AuditLog audit) {
        this.accounts = accounts;
        this.encoder = encoder;
        this.throttle = throttle;
        this.audit = audit;
    }

    private String decoyHash() {
        String decoy = decoyHash;
        if (decoy == null) {
            synchronized (this) {
                decoy = decoyHash;
                if (decoy == null) {
                    decoyHash = decoy = encoder.encode("decoy-password-never-used");
                }
            }
        }
        return decoy;
    }

    /**
     * @param username already normalised (stripped, lower case) and of a shape an account can have
     * @return the identity when the password is right and the account neither disabled nor locked
     *         out from this address
     */
    Optional<AdminIdentity> signIn(String username, String password, String address) {
        var refusal = throttle.beforeLookup(username, address);
        if (refusal.isPresent()) {
            log.debug("Console sign-in of '{}' from {} refused by the {} throttle", username, address, refusal.get());
            return Optional.empty();
        }
        String decoy = decoyHash();
        var credentials = accounts.credentials(username);
        String stamp = credentials.map(c -> stamp(c.passwordHash())).orElse(UNKNOWN_USER_STAMP);
        if (throttle.locked(username, address, stamp)) {
            if (throttle.refusedWhileLocked(address)) {
                throttled("address", address, username);
            }
            return Optional.empty();
        }
        boolean passwordOk = encoder.matches(password, credentials.map(AdminAccounts.Credentials::passwordHash)
                .orElse(decoy));
        var account = credentials.map(AdminAccounts.Credentials::account).orElse(null);
        if (!passwordOk || account == null || account.disabledAt() != null) {
            String reason = account == null ? "unknown-user" : !passwordOk ? "wrong-password" : "disabled";
            failed(username, address, stamp, account, reason);
            return Optional.empty();
        }
        throttle.succeeded(username, address);
        accounts.signedIn(account.id(), password, credentials.get().passwordHash());
        audit.recordAs(account.username(), "sign-in", "account", account.id().toString(), null,
                details(address, username, "password", null));
        return Optional.of(new AdminIdentity(account.username(), account.role(), account.id(), null,
                AdminIdentity.Kind.SESSION));
    }

    private void failed(String username, String address, String stamp, AdminAccounts.Account account, String reason) {
        var failure = throttle.failed(username, address, stamp);
        String target = account == null ? null : account.id().toString();
        if (account != null) {
            accounts.signInFailed(account.id(), failure.lockedUntil());
        }
        audit.recordAs(ANONYMOUS, "sign-in.failed", "account", target, null,
                details(address, username, "password", reason));
        if (failure.lockBegan()) {
            var lock = details(address, username, null, null);
            lock.put("lockedUntil", failure.lockedUntil().toString());
            lock.put("consecutiveFailures", failure.consecutive());
            audit.recordAs("system", "account.lock", "account", target, null, lock);
            log.warn("Console sign-in: {} locked out of '{}' until {} after {} failures", address, username,
                    failure.lockedUntil(), failure.consecutive());
        }
        if (failure.addressExhausted()) {
            throttled("address", address, username);
        }
        if (failure.accountExhausted()) {
            throttled("account", address, username);
        }
    }

    private void throttled(String scope, String address, String username) {
        log.warn("Console sign-ins throttled per {} (address {}, username '{}') for the rest of the minute", scope,
                address, username);
        var details = details(address, username, null, null);
        details.put("scope", scope);
        audit.recordAs("system", "sign-in.throttled", scope.equals("address") ? "address" : "account",
                scope.equals("address") ? address : username, null, details);
    }

    private static Map<String, Object> details(String address, String username, String method, String reason) {
        var details = new LinkedHashMap<String, Object>();
        details.put("address", address);
        details.put("username", username);
        if (method != null) {
            details.put("method", method);
        }
        if (reason != null) {
            details.put("reason", reason);
        }
        return details;
    }

    /** Which password a lock-out was earned against: a new password lifts it, on every replica. */
    private static String stamp(String passwordHash) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(passwordHash.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
