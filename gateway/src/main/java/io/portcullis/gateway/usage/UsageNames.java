package io.portcullis.gateway.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The ledger's dictionary: each model, backend, endpoint and outcome name is stored once in
 * {@code usage_name} and referenced by a small id from every row. The set is bounded: model
 * names come from configuration (others are recorded as {@value #UNKNOWN_MODEL}), backend names
 * from configuration or the admin API, endpoints and outcomes from closed enums and contract codes.
 *
 * <p>Ids are {@code smallint} (docs/usage.md says why), so a name is looked up before it is
 * inserted, and inserted only when absent: an existing name never consumes a sequence value, however
 * often replicas restart. Should the ids still run out, a new name is recorded as
 * {@value #OVERFLOW} (id 0, outside the sequence, made by migration V42), logged once and counted in
 * {@code portcullis.usage.names.overflowed}: the batch is written all the same.
 */
@Component
public class UsageNames {

    private static final Logger log = LoggerFactory.getLogger(UsageNames.class);

    /** Recorded instead of a model name no backend serves, so clients cannot grow the dictionary. */
    public static final String UNKNOWN_MODEL = "(unknown)";
    /** Recorded instead of a new name once the dictionary has no id left. */
    public static final String OVERFLOW = "(other)";
    /** PostgreSQL's "nextval: reached maximum value of sequence". */
    private static final String SEQUENCE_EXHAUSTED = "2200H";

    private final JdbcTemplate jdbc;
    private final Map<String, Short> ids = new ConcurrentHashMap<>();
    private final Counter overflowed;

    UsageNames(JdbcTemplate jdbc, MeterRegistry registry) {
        this.jdbc = jdbc;
        this.overflowed = Counter.builder("portcullis.usage.names.overflowed")
                .description("New ledger names recorded as '(other)' because the name dictionary has no id left")
                .register(registry);
    }

    /** The id of {@code name}: found, else created, else (no id left) the id of {@value #OVERFLOW}. */
    public short id(String name) {
        if (name == null) {
            // a programming error in the record, not a database problem: the ledger sets the record aside
            throw new IllegalArgumentException("a ledger name cannot be null");
        }
        Short id = find(name);
        if (id != null) {
            return id;
        }
        try {
            // Inserts only when absent, so no sequence value is consumed for an existing name; a
            // replica inserting the same name at the same moment is absorbed by "on conflict".
            jdbc.update("insert into usage_name (name) select ? where not exists"
                    + " (select 1 from usage_name where name = ?) on conflict (name) do nothing", name, name);
        } catch (DataAccessException e) {
            if (!SEQUENCE_EXHAUSTED.equals(LedgerFailures.sqlState(e))) {
                throw e;
            }
            return overflow(name);
        }
        Short created = find(name);
        if (created == null) {
            throw new IllegalStateException("ledger name '" + name + "' was inserted but cannot be found");
        }
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

    private short overflow(String name) {
        Short other = find(OVERFLOW);
        if (other == null) {
            throw new IllegalStateException("the ledger name dictionary is full and '" + OVERFLOW
                    + "' is missing from it (migration V42 creates it)");
        }
        // Cached under the new name: logged and counted once per name and process, and later
        // records with the name cost no more round trips.
        if (ids.putIfAbsent(name, other) == null) {
            overflowed.increment();
            log.error("The usage_name dictionary has no id left: '{}' is recorded as '{}'. Names are meant to"
                    + " come from configuration only; see docs/usage.md (\"Narrow raw rows\")", name, OVERFLOW);
        }
        return other;
    }
}
