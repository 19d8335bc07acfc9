package io.portcullis.gateway.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where a record PostgreSQL refuses for good goes: the table {@code usage_poison} (batch id, the
 * record as JSON, SQL state and message), counted in {@code portcullis.usage.records.poisoned}.
 * Should even that insert fail, the whole record is logged at ERROR: an accepted record is never
 * lost silently. An operator can correct and replay the rows (docs/usage.md).
 */
@Component
class PoisonRecords {

    private static final Logger log = LoggerFactory.getLogger(PoisonRecords.class);
    /** Escapes control characters (NUL included) as {@code \}{@code u0000}: the JSON stays storable as text. */
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final Counter poisoned;

    PoisonRecords(JdbcTemplate jdbc, MeterRegistry registry) {
        this.jdbc = jdbc;
        this.poisoned = Counter.builder("portcullis.usage.records.poisoned")
                .description("Usage records PostgreSQL refused for good, set aside in usage_poison (or logged)")
                .register(registry);
    }

    /** Sets {@code record} aside after {@code failure}; never throws. */
    void setAside(UUID batchId, UsageRecord record, Throwable failure) {
        poisoned.increment();
        String state = LedgerFailures.sqlState(failure);
        String message = clean(String.valueOf(failure.getMessage()));
        String json;
        try {
            json = JSON.writeValueAsString(record);
        } catch (RuntimeException e) {
            json = null;
        }
        if (json != null) {
            try {
                jdbc.update("insert into usage_poison (batch_id, record, sql_state, message) values (?, ?, ?, ?)",
                        batchId, json, state, message);
                log.error("Usage record {} of batch {} was refused by PostgreSQL ({} {}) and set aside in"
                        + " usage_poison", record.id(), batchId, state, message);
                return;
            } catch (RuntimeException e) {
                log.error("Setting usage record {} aside in usage_poison failed too: {}", record.id(), e.toString());
            }
        }
        log.error("Usage record of batch {} refused by PostgreSQL ({} {}), not written anywhere: {}", batchId, state,
                message, json != null ? json : record);
    }

    /** PostgreSQL stores no NUL; messages may quote the offending value. */
    private static String clean(String text) {
        return text.replace('\u0000', '?');
    }
}
