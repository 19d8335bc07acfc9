package io.portcullis.gateway.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The audit log of admin changes, kept in PostgreSQL as a hash chain: each entry stores the
 * SHA-256 of the previous entry's hash followed by its own canonical form, so editing, inserting
 * or deleting a row (other than the newest) makes {@link #verify()} report the first broken link.
 * Appends are serialised with an advisory lock and join the caller's transaction, so a change and
 * its entry commit together.
 *
 * <p>Entries never hold secrets: callers pass the same views the admin API answers with, and
 * any field named like a secret is dropped before writing as a second line of defence.
 */
@Component
public class AuditLog {

    /** Advisory lock id that serialises appends across replicas. */
    private static final long APPEND_LOCK = 7235002L;
    private static final byte[] GENESIS = new byte[32];
    private static final Set<String> SECRET_FIELDS = Set.of("key", "secret", "secrethash", "password",
            "passwordhash", "token", "tokenhash");

    /** One audit entry as read back. */
    public record Entry(long seq, UUID id, Instant at, String actor, String action, String targetType,
                        String targetId, JsonNode before, JsonNode after, String hash) {
    }

    /** Result of checking the whole chain; {@code headHash} can be noted elsewhere to detect truncation. */
    public record Verification(boolean valid, long checked, Long firstBrokenSeq, String headHash) {
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final InstantSource clock;
    private final JsonMapper json;

    AuditLog(JdbcTemplate jdbc, TransactionTemplate tx, InstantSource clock, JsonMapper json) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.clock = clock;
        this.json = json;
    }

    /**
     * Appends an entry for a change made by the current admin identity.
     *
     * @param before the target as it was (null on creation), in its admin API view
     * @param after  the target as it is now (null on deletion)
     */
    public void record(String action, String targetType, String targetId, Object before, Object after) {
        var authentication = SecurityContextHolder.getContext().getAuthentication();
        String actor = authentication == null ? "system" : authentication.getName();
        String beforeJson = toJson(before);
        String afterJson = toJson(after);
        tx.executeWithoutResult(status -> {
            jdbc.queryForList("select pg_advisory_xact_lock(?)", APPEND_LOCK);
            List<byte[]> last = jdbc.query("select hash from audit_event order by seq desc limit 1",
                    (rs, i) -> rs.getBytes(1));
            byte[] prev = last.isEmpty() ? GENESIS : last.getFirst();
            long seq = jdbc.queryForObject("select nextval('audit_event_seq')", Long.class);
            UUID id = UUID.randomUUID();
            // PostgreSQL keeps microseconds: hash what will be read back.
            Instant at = clock.instant().truncatedTo(ChronoUnit.MICROS);
            byte[] hash = hash(prev, seq, id, at, actor, action, targetType, targetId, beforeJson, afterJson);
            jdbc.update("""
                    insert into audit_event (seq, id, at, actor, action, target_type, target_id, before_json,
                                             after_json, prev_hash, hash)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    seq, id, Timestamp.from(at), actor, action, targetType, targetId, beforeJson, afterJson, prev,
                    hash);
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

    /** Recomputes every link, oldest first. */
    public Verification verify() {
        return tx.execute(status -> {
            var state = new Object() {
                byte[] prev = GENESIS;
                long checked;
                Long broken;
            };
            var streaming = new JdbcTemplate(jdbc.getDataSource());
            streaming.setFetchSize(1000); // joins this transaction, so PostgreSQL streams with a cursor
            streaming.query("select * from audit_event order by seq", rs -> {
                if (state.broken != null) {
                    return;
                }
                byte[] stored = rs.getBytes("hash");
                byte[] expected = hash(state.prev, rs.getLong("seq"), rs.getObject("id", UUID.class),
                        rs.getTimestamp("at").toInstant(), rs.getString("actor"), rs.getString("action"),
                        rs.getString("target_type"), rs.getString("target_id"), rs.getString("before_json"),
                        rs.getString("after_json"));
                if (!MessageDigest.isEqual(state.prev, rs.getBytes("prev_hash"))
                        || !MessageDigest.isEqual(expected, stored)) {
                    state.broken = rs.getLong("seq");
                    return;
                }
                state.prev = stored;
                state.checked++;
            });
            return new Verification(state.broken == null, state.checked, state.broken,
                    HexFormat.of().formatHex(state.prev));
        });
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
            names.stream().filter(n -> SECRET_FIELDS.contains(n.toLowerCase(java.util.Locale.ROOT)))
                    .forEach(object::remove);
            object.forEach(AuditLog::dropSecrets);
        } else if (node != null && node.isArray()) {
            node.forEach(AuditLog::dropSecrets);
        }
    }

    /** Each field length-prefixed, so no two different entries share a canonical form. */
    static byte[] hash(byte[] prev, long seq, UUID id, Instant at, String... fields) {
        try {
            var digest = MessageDigest.getInstance("SHA-256");
            digest.update(prev);
            digest.update(ByteBuffer.allocate(8).putLong(seq).array());
            update(digest, id.toString());
            update(digest, at.toString());
            for (String field : fields) {
                update(digest, field);
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void update(MessageDigest digest, String field) {
        if (field == null) {
            digest.update(ByteBuffer.allocate(4).putInt(-1).array());
            return;
        }
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        digest.update(bytes);
    }
}
