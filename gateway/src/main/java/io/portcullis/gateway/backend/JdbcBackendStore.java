package io.portcullis.gateway.backend;

import io.portcullis.gateway.GatewayProperties.Backend;
import io.portcullis.gateway.GatewayProperties.BackendType;
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
import org.springframework.dao.DuplicateKeyException;
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
                .findFirst();
    }

    /** @return false when a backend of that name already exists */
    public boolean create(Backend backend) {
        try {
            transactions.executeWithoutResult(status -> {
                jdbc.update("""
                        insert into managed_backend (name, type, base_url, api_key_sealed, models, aliases, weight, priority,
                                                     anthropic_beta)
                        values (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)""", backend.name(), backend.type().tag(),
                        backend.baseUrl().toString(), sealed(backend), backend.models().toArray(String[]::new),
                        JSON.writeValueAsString(backend.aliases()), backend.weight(), backend.priority(),
                        backend.anthropicBeta().toArray(String[]::new));
                notifyChanged(backend.name());
            });
            return true;
        } catch (DuplicateKeyException e) {
            return false;
        }
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

    private byte[] sealed(Backend backend) {
        return backend.apiKey() == null ? null : sealer.seal(backend.name(), backend.apiKey());
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
        String apiKey;
        try {
            apiKey = sealed == null ? null : sealer.open(name, sealed);
        } catch (IllegalStateException e) {
            // One unreadable row (key changed, row tampered with) must not take the others down.
            log.error("Managed backend '{}' is left out: {}", name, e.getMessage());
            return null;
        }
        return new Backend(name, BackendType.valueOf(rs.getString("type").toUpperCase(Locale.ROOT)),
                URI.create(rs.getString("base_url")), apiKey,
                Arrays.asList((String[]) models.getArray()), aliases, rs.getInt("weight"), rs.getInt("priority"),
                Arrays.asList((String[]) anthropicBeta.getArray()));
    }
}
