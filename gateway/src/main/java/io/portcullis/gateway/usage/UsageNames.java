package io.portcullis.gateway.usage;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The ledger's dictionary: each model, backend, endpoint and outcome name is stored once in
 * {@code usage_name} and referenced by a small id from every row. The set is bounded: model
 * names come from configuration (others are recorded as {@value #UNKNOWN_MODEL}), the rest from
 * closed enums.
 */
@Component
public class UsageNames {

    /** Recorded instead of a model name no backend serves, so clients cannot grow the dictionary. */
    public static final String UNKNOWN_MODEL = "(unknown)";

    private final JdbcTemplate jdbc;
    private final Map<String, Short> ids = new ConcurrentHashMap<>();

    UsageNames(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The id of {@code name}, created on first use. */
    public short id(String name) {
        Short id = ids.get(name);
        if (id != null) {
            return id;
        }
        jdbc.update("insert into usage_name (name) values (?) on conflict (name) do nothing", name);
        short created = jdbc.queryForObject("select id from usage_name where name = ?", Short.class, name);
        ids.put(name, created);
        return created;
    }

    /** The id of {@code name} if it was ever recorded. */
    public Short find(String name) {
        Short id = ids.get(name);
        if (id != null) {
            return id;
        }
        List<Short> found = jdbc.queryForList("select id from usage_name where name = ?", Short.class, name);
        if (found.isEmpty()) {
            return null;
        }
        ids.put(name, found.getFirst());
        return found.getFirst();
    }
}
