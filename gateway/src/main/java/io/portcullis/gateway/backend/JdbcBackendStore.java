package io.portcullis.gateway.backend;

import java.net.URI;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Backends managed through the admin API, in table {@code managed_backend}, their upstream keys
 * sealed by {@link UpstreamKeySealer}. Every write sends {@code pg_notify(}{@value #CHANNEL}{@code )}
 * in its transaction, so every replica reloads them ({@link ManagedBackends}).
 */
@Component
public class JdbcBackendStore {

    /** The notification channel; a plain identifier (see ChangeNotifications). */
    public static final String CHANNEL = "portcullis_backends";
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JdbcBackendStore.class);
    private static final JsonMapper JSON = JsonMapper.shared();

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final UpstreamKeySealer sealer;

    public JdbcBackendStore(JdbcTemplate jdbc, TransactionTemplate transactions, UpstreamKeySealer sealer) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.sealer = sealer;
    }

    /** Every managed backend with its key opened, by name. */
    public List<Backend> list() {
        return jdbc.query("select * from managed_backend order by name", (rs, i) -> backend(rs)).stream()
                .filter(java.util.Objects::nonNull).toList();
    }

    public Optional<Backend> find(String name) {
        return jdbc.query("select * from managed_backend where name = ?", (rs, i) -> backend(rs), name).stream()
                .filter(java.util.Objects::nonNull).findFirst();
    }

    /**
     * The backend of that name, locked until the caller's transaction ends, so a replacement is
     * checked against the row it replaces.
     */
    public Optional<Backend> findForUpdate(String name) {
        return jdbc.query("select * from managed_backend where name = ? for update", (rs, i) -> backend(rs), name)
                .stream().filter(java.util.Objects::nonNull).findFirst();
    }

    /**
     * Whether a row of that name exists, even one that {@link #find} leaves out because it no
     * longer opens or validates (so such a row can still be replaced or deleted).
     */
    public boolean exists(String name) {
        return !jdbc.queryForList("select 1 from managed_backend where name = ?", name).isEmpty();
    }

    /** @return false when a backend of that name already exists (nothing written) */
    public boolean create(Backend backend) {
        // "on conflict do nothing" rather than catching the duplicate: a failed statement would
        // abort the caller's transaction, which also holds the audit entry.
        Boolean done = transactions.execute(status -> {
            int n = jdbc.update("""
                    insert into managed_backend (name, type, base_url, api_key_sealed, models, aliases, weight, priority,
                                                 anthropic_beta)
                    values (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)
                    on conflict (name) do nothing""", backend.name(), backend.type().tag(),
                    backend.baseUrl().toString(), sealed(backend), backend.models().toArray(String[]::new),
                    JSON.writeValueAsString(backend.aliases()), backend.weight(), backend.priority(),
                    backend.anthropicBeta().toArray(String[]::new));
            if (n > 0) {
                notifyChanged(backend.name());
            }
            return n > 0;
        });
        return Boolean.TRUE.equals(done);
    }

    /** @return false when no backend of that name exists */
    public boolean replace(Backend backend) {
        Boolean done = transactions.execute(status -> {
            int n = jdbc.update("""
                    update managed_backend set type = ?, base_url = ?, api_key_sealed = ?, models = ?,
                    aliases = ?::jsonb, weight = ?, priority = ?, anthropic_beta = ?, updated_at = now()
                    where name = ?""",
                    backend.type().tag(), backend.baseUrl().toString(), sealed(backend),
                    backend.models().toArray(String[]::new), JSON.writeValueAsString(backend.aliases()),
                    backend.weight(), backend.priority(), backend.anthropicBeta().toArray(String[]::new),
                    backend.name());
            notifyChanged(backend.name());
            return n > 0;
        });
        return Boolean.TRUE.equals(done);
    }

    /** @return false when no backend of that name exists */
    public boolean delete(String name) {
        Boolean done = transactions.execute(status -> {
            int n = jdbc.update("delete from managed_backend where name = ?", name);
            notifyChanged(name);
            return n > 0;
        });
        return Boolean.TRUE.equals(done);
    }

    /** Always sealed afresh, bound to the URL being written: a legacy (name-only) seal never survives a write. */
    private byte[] sealed(Backend backend) {
        return backend.apiKey() == null ? null : sealer.seal(backend.name(), backend.baseUrl(), backend.apiKey());
    }

    /**
     * Seals again, bound to their base URL, the keys an older gateway sealed with the backend name
     * alone; run at start. Each row is rewritten only if it is still what was read, so replicas
     * starting together do not undo each other or a concurrent admin change. No notification: the
     * backends are the same.
     *
     * @return how many rows were sealed again
     */
    public int resealLegacy() {
        if (!sealer.available()) {
            return 0;
        }
        record Legacy(String name, String baseUrl, byte[] sealed) {
        }
        var legacy = jdbc.query("select name, base_url, api_key_sealed from managed_backend "
                + "where api_key_sealed is not null and get_byte(api_key_sealed, 0) = ?",
                (rs, i) -> new Legacy(rs.getString(1), rs.getString(2), rs.getBytes(3)),
                (int) UpstreamKeySealer.BOUND_TO_NAME);
        int resealed = 0;
        for (Legacy row : legacy) {
            try {
                URI url = io.portcullis.gateway.BaseUrl.parse(row.baseUrl(), "base_url");
                byte[] bound = sealer.seal(row.name(), url, sealer.open(row.name(), url, row.sealed()));
                resealed += jdbc.update("update managed_backend set api_key_sealed = ?, base_url = ? "
                        + "where name = ? and api_key_sealed = ?", bound, url.toString(), row.name(), row.sealed());
            } catch (IllegalArgumentException | IllegalStateException e) {
                log.error("Managed backend '{}' keeps its legacy sealed key: {}", row.name(), e.getMessage());
            }
        }
        return resealed;
    }

    private void notifyChanged(String name) {
        jdbc.query("select pg_notify(?, ?)", rs -> null, CHANNEL, name);
    }

    private Backend backend(ResultSet rs) throws SQLException {
        String name = rs.getString("name");
        byte[] sealed = rs.getBytes("api_key_sealed");
        Array models = rs.getArray("models");
        Array anthropicBeta = rs.getArray("anthropic_beta");
        @SuppressWarnings("unchecked")
        Map<String, String> aliases = JSON.readValue(rs.getString("aliases"), LinkedHashMap.class);
        try {
            URI baseUrl = io.portcullis.gateway.BaseUrl.parse(rs.getString("base_url"), "base_url");
            String apiKey = sealed == null ? null : sealer.open(name, baseUrl, sealed);
            return new Backend(name, BackendType.valueOf(rs.getString("type").toUpperCase(Locale.ROOT)),
                    baseUrl, apiKey, Arrays.asList((String[]) models.getArray()), aliases, rs.getInt("weight"),
                    rs.getInt("priority"), Arrays.asList((String[]) anthropicBeta.getArray()));
        } catch (IllegalStateException | IllegalArgumentException e) {
            // One unreadable row (key changed, row tampered with or moved to another URL, a URL the
            // stricter rules refuse) must not take the others down.
            log.error("Managed backend '{}' is left out: {}", name, e.getMessage());
            return null;
        }
    }
}
