package io.portcullis.gateway.auth;

import io.portcullis.gateway.access.PolicyJson;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/** {@link KeyStore} on PostgreSQL; every change sends a NOTIFY in its own transaction. */
@Repository
class JdbcKeyStore implements KeyStore {

    /** Channel name; {@code ChangeNotifications} listens on it. Payload: the public id. */
    static final String CHANNEL = "portcullis_keys";

    private static final String COLUMNS =
            "id, public_id, secret_hash, name, team_id, models, limits, policy, created_at, updated_at, expires_at,"
            + " revoked_at";
    private static final RowMapper<StoredKey> ROW = JdbcKeyStore::map;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;

    JdbcKeyStore(JdbcTemplate jdbc, TransactionTemplate tx) {
        this.jdbc = jdbc;
        this.tx = tx;
    }

    @Override
    public Optional<StoredKey> findByPublicId(String publicId) {
        return jdbc.query("select " + COLUMNS + " from api_key where public_id = ?", ROW, publicId)
                .stream().findFirst();
    }

    @Override
    public Optional<StoredKey> findById(UUID id) {
        return jdbc.query("select " + COLUMNS + " from api_key where id = ?", ROW, id).stream().findFirst();
    }

    @Override
    public void insert(StoredKey key) {
        tx.executeWithoutResult(status -> {
            jdbc.update(con -> {
                var ps = con.prepareStatement("insert into api_key (" + COLUMNS + ")"
                        + " values (?,?,?,?,?,?,?::jsonb,?::jsonb,?,?,?,?)");
                ps.setObject(1, key.id());
                ps.setString(2, key.publicId());
                ps.setBytes(3, key.secretHash());
                ps.setString(4, key.name());
                ps.setObject(5, key.teamId());
                ps.setArray(6, con.createArrayOf("text", key.models().toArray()));
                ps.setString(7, PolicyJson.write(PolicyJson.toMap(key.limits())));
                ps.setString(8, PolicyJson.write(PolicyJson.toMap(key.policy(), false)));
                ps.setTimestamp(9, ts(key.createdAt()));
                ps.setTimestamp(10, ts(key.updatedAt()));
                ps.setTimestamp(11, ts(key.expiresAt()));
                ps.setTimestamp(12, ts(key.revokedAt()));
                return ps;
            });
            notifyChanged(key.publicId());
        });
    }

    @Override
    public List<StoredKey> list(int limit, StoredKey after, String search, UUID teamId) {
        var sql = new StringBuilder("select " + COLUMNS + " from api_key where true");
        var args = new java.util.ArrayList<Object>();
        if (after != null) {
            sql.append(" and (created_at, id) < (?, ?)");
            args.add(ts(after.createdAt()));
            args.add(after.id());
        }
        if (search != null && !search.isBlank()) {
            sql.append(" and (name ilike ? or public_id = ?)");
            args.add("%" + escapeLike(search) + "%");
            args.add(search.startsWith(ApiKeys.SCHEME) ? search.substring(ApiKeys.SCHEME.length()) : search);
        }
        if (teamId != null) {
            sql.append(" and team_id = ?"); // api_key_team_created_idx answers the page in order
            args.add(teamId);
        }
        sql.append(" order by created_at desc, id desc limit ?");
        args.add(limit);
        return jdbc.query(sql.toString(), ROW, args.toArray());
    }

    @Override
    public Optional<StoredKey> update(StoredKey edited, Instant now) {
        return tx.execute(status -> {
            var rows = jdbc.query(con -> {
                var ps = con.prepareStatement("update api_key set name = ?, team_id = ?, models = ?,"
                        + " limits = ?::jsonb, policy = ?::jsonb, expires_at = ?, updated_at = ?"
                        + " where id = ? returning " + COLUMNS);
                ps.setString(1, edited.name());
                ps.setObject(2, edited.teamId());
                ps.setArray(3, con.createArrayOf("text", edited.models().toArray()));
                ps.setString(4, PolicyJson.write(PolicyJson.toMap(edited.limits())));
                ps.setString(5, PolicyJson.write(PolicyJson.toMap(edited.policy(), false)));
                ps.setTimestamp(6, ts(edited.expiresAt()));
                ps.setTimestamp(7, ts(now));
                ps.setObject(8, edited.id());
                return ps;
            }, ROW);
            rows.forEach(k -> notifyChanged(k.publicId()));
            return rows.stream().findFirst();
        });
    }

    @Override
    public Optional<StoredKey> rotate(UUID id, String newPublicId, byte[] newSecretHash, Instant now) {
        return tx.execute(status -> {
            var old = jdbc.query("select " + COLUMNS + " from api_key where id = ? for update", ROW, id);
            if (old.isEmpty()) {
                return Optional.<StoredKey>empty();
            }
            var rows = jdbc.query("update api_key set public_id = ?, secret_hash = ?, updated_at = ? where id = ?"
                    + " returning " + COLUMNS, ROW, newPublicId, newSecretHash, ts(now), id);
            notifyChanged(old.getFirst().publicId());
            notifyChanged(newPublicId);
            return rows.stream().findFirst();
        });
    }

    @Override
    public Optional<StoredKey> revoke(UUID id, Instant now) {
        return tx.execute(status -> {
            var rows = jdbc.query("update api_key set revoked_at = coalesce(revoked_at, ?), updated_at = ?"
                    + " where id = ? returning " + COLUMNS, ROW, ts(now), ts(now), id);
            rows.forEach(k -> notifyChanged(k.publicId()));
            return rows.stream().findFirst();
        });
    }

    private void notifyChanged(String publicId) {
        jdbc.query("select pg_notify(?, ?)", rs -> null, CHANNEL, publicId);
    }

    private static String escapeLike(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    /**
     * One row, whatever it holds: limits or a policy that no longer pass validation (a deny
     * pattern a newer version refuses, a value written by hand) make the key unusable, never the
     * query that read it; see {@link PolicyJson#readStored}.
     */
    private static StoredKey map(ResultSet rs, int row) throws SQLException {
        UUID id = rs.getObject("id", UUID.class);
        Instant updatedAt = instant(rs, "updated_at");
        String what = "key " + id + " updated " + updatedAt;
        Array models = rs.getArray("models");
        String[] modelNames = models == null ? new String[0] : (String[]) models.getArray();
        var stored = PolicyJson.readStored(rs.getString("limits"), rs.getString("policy"), false, what);
        List<String> allowed = Arrays.stream(modelNames).filter(m -> m != null && !m.isBlank()).toList();
        if (allowed.size() < modelNames.length && stored.error() == null) {
            // dropping the entry would widen the allow list (empty means every model): refuse instead
            stored = PolicyJson.unusable(what, "'models' holds an empty entry");
        }
        return new StoredKey(
                id,
                rs.getString("public_id"),
                rs.getBytes("secret_hash"),
                rs.getString("name"),
                rs.getObject("team_id", UUID.class),
                allowed,
                stored.limits(),
                stored.policy(),
                instant(rs, "created_at"),
                updatedAt,
                instant(rs, "expires_at"),
                instant(rs, "revoked_at"),
                stored.error());
    }
}
