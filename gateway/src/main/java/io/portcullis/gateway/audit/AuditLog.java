package io.portcullis.gateway.audit;

import java.security.MessageDigest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The audit log of admin changes and sign-ins, kept in PostgreSQL as a chain: each entry stores
 * the HMAC-SHA-256, under {@code gateway.audit.key}, of the previous entry's link followed by its
 * own canonical form ({@link AuditChain}). Editing, inserting or deleting a row (other than the
 * newest) makes {@link #verify} report the first broken link, and without the key nobody can
 * recompute the links after a change. Entries from before the key (plain SHA-256) still verify:
 * {@code audit_chain} records, authenticated by the key, from which sequence number entries are
 * keyed. Dropping the newest entries is visible only against a head anchored elsewhere
 * ({@link AuditHead}). Appends are serialised with an advisory lock and join the caller's
 * transaction, so a change and its entry commit together.
 *
 * <p>Entries never hold secrets: callers pass the same views the admin API answers with, and
 * any field named like a secret is dropped before writing as a second line of defence.
 */
@Component
public class AuditLog {

    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    /** Advisory lock id that serialises appends across replicas. */
    private static final long APPEND_LOCK = 7235002L;
    private static final Set<String> SECRET_FIELDS = Set.of("key", "secret", "secrethash", "password",
            "passwordhash", "token", "tokenhash");

    /** One audit entry as read back. */
    public record Entry(long seq, UUID id, Instant at, String actor, String action, String targetType,
                        String targetId, JsonNode before, JsonNode after, String hash) {
    }

    /**
     * Result of checking the whole chain.
     *
     * @param firstBrokenSeq the first entry whose link does not hold (null when valid)
     * @param problem        what is wrong, for people (null when valid)
     * @param headSeq        the newest entry, with {@code headHash}: note both elsewhere to detect truncation
     * @param keyedFromSeq   entries from this one on are keyed with {@code gateway.audit.key}
     */
    public record Verification(boolean valid, long checked, Long firstBrokenSeq, String problem, long headSeq,
                               String headHash, long keyedFromSeq) {
    }

    /** A head noted earlier, which must still be in the chain with the same hash. */
    public record Anchor(long seq, String hash) {
    }

    private record CutOver(long keyedFromSeq, byte[] mac) {
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final InstantSource clock;
    private final JsonMapper json;
    private final AuditHead head;
    private final AuditKey key;
    private final AuditChain chain;

    AuditLog(JdbcTemplate jdbc, TransactionTemplate tx, InstantSource clock, JsonMapper json, AuditHead head,
             AuditProperties properties) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.clock = clock;
        this.json = json;
        this.head = head;
        this.key = AuditKey.from(properties, jdbc);
        this.chain = new AuditChain(key);
    }

    /**
     * Appends an entry for a change made by the current admin identity ({@code system} when none).
     *
     * @param before the target as it was (null on creation), in its admin API view
     * @param after  the target as it is now (null on deletion)
     */
    public void record(String action, String targetType, String targetId, Object before, Object after) {
        var authentication = SecurityContextHolder.getContext().getAuthentication();
        recordAs(authentication == null ? "system" : authentication.getName(), action, targetType, targetId, before,
                after);
    }

    /** Appends an entry for something done by {@code actor}, who need not be signed in (e.g. a failed sign-in). */
    public void recordAs(String actor, String action, String targetType, String targetId, Object before,
                         Object after) {
        String beforeJson = toJson(before);
        String afterJson = toJson(after);
        tx.executeWithoutResult(status -> {
            jdbc.queryForList("select pg_advisory_xact_lock(?)", APPEND_LOCK);
            List<byte[]> last = jdbc.query("select hash from audit_event order by seq desc limit 1",
                    (rs, i) -> rs.getBytes(1));
            byte[] prev = last.isEmpty() ? AuditChain.GENESIS : last.getFirst();
            long seq = jdbc.queryForObject("select nextval('audit_event_seq')", Long.class);
            UUID id = UUID.randomUUID();
            // PostgreSQL keeps microseconds: link what will be read back.
            Instant at = clock.instant().truncatedTo(ChronoUnit.MICROS);
            byte[] link = chain.link(AuditChain.KEYED, prev, seq, id, at, actor, action, targetType, targetId,
                    beforeJson, afterJson);
            jdbc.update("""
                    insert into audit_event (seq, id, at, actor, action, target_type, target_id, before_json,
                                             after_json, prev_hash, hash, chain_version)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    seq, id, Timestamp.from(at), actor, action, targetType, targetId, beforeJson, afterJson, prev,
                    link, AuditChain.KEYED);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    head.advanced(seq, link);
                }
            });
        });
    }

    /** Entries in {@code [from, to)}, newest first; {@code beforeSeq} continues a previous page. */
    public List<Entry> list(Instant from, Instant to, Long beforeSeq, int limit) {
        var args = new ArrayList<Object>(List.of(Timestamp.from(from), Timestamp.from(to)));
        String page = "";
        if (beforeSeq != null) {
            page = " and seq < ?";
            args.add(beforeSeq);
        }
        args.add(limit);
        return jdbc.query("select * from audit_event where at >= ? and at < ?" + page
                + " order by seq desc limit ?", (rs, i) -> entry(rs), args.toArray());
    }

    public Verification verify() {
        return verify(null);
    }

    /**
     * Recomputes every link, oldest first. Entries before the cut-over must have plain SHA-256
     * links, later ones HMAC links; an unkeyed entry after the cut-over (written by an old replica
     * during a rolling upgrade) passes only when a keyed entry follows it, so a rewritten tail
     * cannot hide as unkeyed entries.
     *
     * @param anchor a head noted earlier (optional): missing or different, the chain is invalid there
     */
    public Verification verify(Anchor anchor) {
        return tx.execute(status -> {
            var cutOver = jdbc.query("select keyed_from_seq, mac from audit_chain where id = 1",
                    (rs, i) -> new CutOver(rs.getLong(1), rs.getBytes(2))).stream().findFirst().orElse(null);
            var state = new Scan(cutOver == null ? 1 : cutOver.keyedFromSeq());
            if (cutOver == null) {
                state.breakAt(0, "audit_chain, which says from which entry the chain is keyed, has been deleted");
            } else if (cutOver.mac() == null
                    || !MessageDigest.isEqual(cutOver.mac(), chain.cutOverMac(cutOver.keyedFromSeq()))) {
                state.breakAt(cutOver.keyedFromSeq(), "audit_chain's cut-over (" + cutOver.keyedFromSeq()
                        + ") is not authenticated by this gateway.audit.key: a different key, or it was changed");
            }
            var streaming = new JdbcTemplate(jdbc.getDataSource());
            streaming.setFetchSize(1000); // joins this transaction, so PostgreSQL streams with a cursor
            streaming.query("select * from audit_event order by seq", rs -> {
                state.check(rs, anchor);
            });
            state.finish(anchor);
            return new Verification(state.broken == null, state.checked, state.broken, state.problem, state.headSeq,
                    HexFormat.of().formatHex(state.prev), state.keyedFrom);
        });
    }

    /** The state of one verification pass over the chain. */
    private final class Scan {
        final long keyedFrom;
        byte[] prev = AuditChain.GENESIS;
        long checked;
        long headSeq;
        Long broken;
        String problem;
        Long unkeyedSince;
        boolean anchorSeen;

        Scan(long keyedFrom) {
            this.keyedFrom = keyedFrom;
        }

        void breakAt(long seq, String why) {
            if (broken == null) {
                broken = seq;
                problem = why;
            }
        }

        void check(ResultSet rs, Anchor anchor) throws SQLException {
            long seq = rs.getLong("seq");
            byte[] stored = rs.getBytes("hash");
            if (anchor != null && seq == anchor.seq()) {
                anchorSeen = true;
                if (!HexFormat.of().formatHex(stored).equalsIgnoreCase(anchor.hash())) {
                    breakAt(seq, "entry " + seq + " no longer has the anchored hash");
                }
            }
            if (broken != null) {
                return;
            }
            short version = seq < keyedFrom ? AuditChain.UNKEYED : rs.getShort("chain_version");
            byte[] expected = chain.link(version, prev, seq, rs.getObject("id", UUID.class),
                    rs.getTimestamp("at").toInstant(), rs.getString("actor"), rs.getString("action"),
                    rs.getString("target_type"), rs.getString("target_id"), rs.getString("before_json"),
                    rs.getString("after_json"));
            if (!MessageDigest.isEqual(prev, rs.getBytes("prev_hash"))) {
                breakAt(seq, "entry " + seq + " does not link to the entry before it (one was changed, added or removed)");
                return;
            }
            if (!MessageDigest.isEqual(expected, stored)) {
                breakAt(seq, "entry " + seq + " does not match its link (it was changed)");
                return;
            }
            if (version == AuditChain.KEYED) {
                unkeyedSince = null;
            } else if (seq >= keyedFrom && unkeyedSince == null) {
                unkeyedSince = seq;
            }
            prev = stored;
            headSeq = seq;
            checked++;
        }

        void finish(Anchor anchor) {
            if (unkeyedSince != null) {
                breakAt(unkeyedSince, "entries from " + unkeyedSince + " on are not keyed and no keyed entry follows"
                        + " them (rewritten without the key, or written by an old replica and not yet covered)");
            }
            if (anchor != null && !anchorSeen) {
                breakAt(anchor.seq(), "the anchored entry " + anchor.seq() + " is missing (newest entries dropped?)");
            }
        }
    }

    /**
     * Authenticates the cut-over on the first start with a key (the migration set the number) and
     * records that in the chain itself, so the entries before it are covered by a keyed link at
     * once. Runs before anything else at start, under the append lock so replicas take turns.
     */
    @EventListener(ApplicationReadyEvent.class)
    @Order(Ordered.HIGHEST_PRECEDENCE)
    void keyTheChainOnStart() {
        Long keyedNow = tx.execute(status -> {
            jdbc.queryForList("select pg_advisory_xact_lock(?)", APPEND_LOCK);
            var cutOver = jdbc.query("select keyed_from_seq, mac from audit_chain where id = 1",
                    (rs, i) -> new CutOver(rs.getLong(1), rs.getBytes(2))).stream().findFirst().orElse(null);
            if (cutOver == null) {
                log.error("The audit_chain row is missing: GET /admin/api/audit/verify will report the chain broken."
                        + " It is written by migration V47 only; someone deleted it");
                return null;
            }
            if (cutOver.mac() != null) {
                if (!MessageDigest.isEqual(cutOver.mac(), chain.cutOverMac(cutOver.keyedFromSeq()))) {
                    log.error("gateway.audit.key (fingerprint {}) is not the key this database's audit chain was keyed"
                            + " with, or audit_chain was changed: verification will fail", chain.fingerprint());
                }
                return null;
            }
            jdbc.update("update audit_chain set mac = ? where id = 1", chain.cutOverMac(cutOver.keyedFromSeq()));
            return cutOver.keyedFromSeq();
        });
        log.info("Audit chain keyed with gateway.audit.key fingerprint {} ({})", chain.fingerprint(),
                key.source().name().toLowerCase(Locale.ROOT));
        if (keyedNow != null) {
            log.warn("Audit chain: entries from seq {} on are now keyed (first start with a key). If this is not the"
                    + " first start after upgrading, someone reset audit_chain: compare with your anchored head",
                    keyedNow);
            recordAs("system", "audit.keyed", "audit", null, null, Map.of("keyedFromSeq", keyedNow,
                    "keyFingerprint", chain.fingerprint()));
        }
        head.refresh();
    }

    private Entry entry(ResultSet rs) throws SQLException {
        return new Entry(rs.getLong("seq"), rs.getObject("id", UUID.class), rs.getTimestamp("at").toInstant(),
                rs.getString("actor"), rs.getString("action"), rs.getString("target_type"), rs.getString("target_id"),
                readJson(rs.getString("before_json")), readJson(rs.getString("after_json")),
                HexFormat.of().formatHex(rs.getBytes("hash")));
    }

    private JsonNode readJson(String text) {
        return text == null ? null : json.readTree(text);
    }

    private String toJson(Object value) {
        if (value == null) {
            return null;
        }
        JsonNode tree = json.valueToTree(value);
        dropSecrets(tree);
        return json.writeValueAsString(tree);
    }

    private static void dropSecrets(JsonNode node) {
        if (node instanceof ObjectNode object) {
            var names = new ArrayList<String>();
            object.propertyNames().forEach(names::add);
            names.stream().filter(n -> SECRET_FIELDS.contains(n.toLowerCase(Locale.ROOT)))
                    .forEach(object::remove);
            object.forEach(AuditLog::dropSecrets);
        } else if (node != null && node.isArray()) {
            node.forEach(AuditLog::dropSecrets);
        }
    }
}
