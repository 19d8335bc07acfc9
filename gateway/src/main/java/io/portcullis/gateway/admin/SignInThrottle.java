package io.portcullis.gateway.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * What may cost a console sign-in's bcrypt. Three rules, in memory on each replica:
 *
 * <ol>
 * <li><b>Per address</b>: after {@code gateway.admin.throttle.sign-in-failures-per-address} failures
 *     in a minute, an address is refused until the minute ends, whatever the username, before
 *     the account is even read.</li>
 * <li><b>Lock-outs belong to the address that earned them</b>: after {@value #FREE_FAILURES}
 *     consecutive failures against one username from one address, that address (and only that
 *     one) is locked out of it for a minute, twice as long after each further failure, at most
 *     {@link #MAX_LOCK}. Only failures from the locked address extend its lock, so an attacker
 *     cannot keep the owner, signing in from elsewhere, out. A new password lifts every lock on
 *     the account (the lock remembers which password hash it was earned against).</li>
 * <li><b>Per account</b>: after {@code sign-in-failures-per-account} failures against one
 *     username from all addresses in a minute, addresses that failed against it this minute are
 *     refused until the minute ends; an address that has not failed is still heard, for the same
 *     reason.</li>
 * </ol>
 * Unknown usernames are counted like known ones, so the answers do not tell which accounts exist.
 */
@Component
class SignInThrottle {

    static final int FREE_FAILURES = 5;
    static final Duration FIRST_LOCK = Duration.ofMinutes(1);
    static final Duration MAX_LOCK = Duration.ofMinutes(30);
    static final Duration WINDOW = Duration.ofMinutes(1);

    /** Which rule refused an attempt before its password was checked. */
    enum Refusal { ADDRESS, ACCOUNT, LOCKED }

    /** What a failed password check led to. */
    record Failure(boolean addressExhausted, boolean accountExhausted, int consecutive, Instant lockedUntil) {
        boolean lockBegan() {
            return lockedUntil != null && consecutive == FREE_FAILURES;
        }
    }

    /** Consecutive failures of one username from one address, against one password hash. */
    private record Pair(String stamp, int failures, Instant lastFailure, Instant lockedUntil) {
    }

    private final InstantSource clock;
    private final FailureWindow perAddress;
    private final FailureWindow perAccount;
    private final Cache<String, Pair> pairs = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterAccess(MAX_LOCK.plus(WINDOW)).build();

    SignInThrottle(AdminThrottleProperties properties, InstantSource clock) {
        this.clock = clock;
        this.perAddress = new FailureWindow(properties.signInFailuresPerAddress(), WINDOW, clock);
        this.perAccount = new FailureWindow(properties.signInFailuresPerAccount(), WINDOW, clock);
    }

    /** Rules 1 and 3, before anything is read: no database, no bcrypt. */
    Optional<Refusal> beforeLookup(String username, String address) {
        if (perAddress.refusedFor(address).isPositive()) {
            return Optional.of(Refusal.ADDRESS);
        }
        if (perAccount.refusedFor(username).isPositive()) {
            Pair pair = pairs.getIfPresent(pairKey(username, address));
            if (pair != null && pair.lastFailure().isAfter(clock.instant().minus(WINDOW))) {
                return Optional.of(Refusal.ACCOUNT);
            }
        }
        return Optional.empty();
    }

    /** Rule 2, once the password hash the lock was earned against is known ({@code stamp}). */
    boolean locked(String username, String address, String stamp) {
        Pair pair = pairs.getIfPresent(pairKey(username, address));
        return pair != null && pair.stamp().equals(stamp) && pair.lockedUntil() != null
                && clock.instant().isBefore(pair.lockedUntil());
    }

    /** An attempt refused by a lock still counts against its address. */
    boolean refusedWhileLocked(String address) {
        return perAddress.failed(address);
    }

    Failure failed(String username, String address, String stamp) {
        Instant now = clock.instant();
        Pair pair = pairs.asMap().compute(pairKey(username, address), (k, old) -> {
            int failures = old == null || !old.stamp().equals(stamp) ? 1 : old.failures() + 1;
            Instant lock = failures >= FREE_FAILURES ? now.plus(lockFor(failures)) : null;
            return new Pair(stamp, failures, now, lock);
        });
        return new Failure(perAddress.failed(address), perAccount.failed(username), pair.failures(),
                pair.lockedUntil());
    }

    void succeeded(String username, String address) {
        pairs.invalidate(pairKey(username, address));
    }

    /** One minute at the fifth failure, doubling with each further one, capped. */
    static Duration lockFor(int failures) {
        int doublings = Math.min(failures - FREE_FAILURES, 10);
        Duration lock = FIRST_LOCK.multipliedBy(1L << doublings);
        return lock.compareTo(MAX_LOCK) > 0 ? MAX_LOCK : lock;
    }

    private static String pairKey(String username, String address) {
        return username + '\n' + address;
    }
}
