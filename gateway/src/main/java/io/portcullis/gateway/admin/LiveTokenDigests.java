package io.portcullis.gateway.admin;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The digests of every live admin token, held in memory, so that a token nobody issued is refused
 * without a database query: the negative answers are cached as one set rather than per token, which
 * makes no difference to an attacker sending a new random token each time. A token missing from the
 * set makes the set be read again, but at most once per {@link #MISS_REFRESH} (all callers together),
 * so unknown tokens cost at most one query per second per replica, while a token created on another
 * replica is accepted here within about that second. Tokens created here are added at once.
 *
 * <p>Bounded: with more than {@link #MAX} live tokens the set is not kept and every token is looked
 * up (the address throttle still bounds that).
 */
final class LiveTokenDigests {

    static final Duration MISS_REFRESH = Duration.ofSeconds(1);
    static final int MAX = 100_000;

    private final JdbcTemplate jdbc;
    private final InstantSource clock;
    private volatile Set<String> digests;
    private volatile Instant loadedAt = Instant.EPOCH;

    LiveTokenDigests(JdbcTemplate jdbc, InstantSource clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** @return false only when the digest is certainly not a live token's */
    boolean mayExist(String digestHex) {
        Set<String> known = digests;
        if (known != null && known.contains(digestHex)) {
            return true;
        }
        synchronized (this) {
            if (clock.instant().isBefore(loadedAt.plus(MISS_REFRESH))) {
                return digests == null || digests.contains(digestHex);
            }
            load();
            return digests == null || digests.contains(digestHex);
        }
    }

    /** A token just created on this replica is usable here at once. */
    synchronized void add(String digestHex) {
        if (digests != null) {
            var more = new HashSet<>(digests);
            more.add(digestHex);
            digests = Set.copyOf(more);
        }
    }

    /** The next miss reads the set again (after a revocation: the set only shrinks then). */
    void forget() {
        loadedAt = Instant.EPOCH;
    }

    private void load() {
        var loaded = new HashSet<String>();
        jdbc.query("select token_hash from admin_token where revoked_at is null limit ?",
                rs -> {
                    loaded.add(HexFormat.of().formatHex(rs.getBytes(1)));
                }, MAX + 1);
        digests = loaded.size() > MAX ? null : Set.copyOf(loaded);
        loadedAt = clock.instant();
    }
}
