package io.portcullis.gateway.responses;

import io.portcullis.gateway.housekeeping.HousekeepingTask;
import io.portcullis.gateway.housekeeping.PeriodicWork;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Response ownership in PostgreSQL ({@code stored_response}, migration V48). Rows older than
 * {@link #RETENTION} are deleted hourly, a batch at a time: OpenAI keeps a stored response 30
 * days, so its owner can no longer read it upstream after that either.
 */
@Repository
class JdbcResponseOwnership implements ResponseOwnership, PeriodicWork {

    static final Duration RETENTION = Duration.ofDays(30);
    private static final int PRUNE_BATCH = 10_000;

    private final JdbcTemplate jdbc;

    JdbcResponseOwnership(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public boolean record(String responseId, UUID keyId, String backend, String model) {
        if (responseId == null || !ID.matcher(responseId).matches()) {
            return false;
        }
        // first writer wins; the same key seeing its own id twice (a retried stream) is no change
        int inserted = jdbc.update("insert into stored_response (response_id, key_id, backend, model)"
                + " values (?, ?, ?, ?) on conflict (response_id) do nothing", responseId, keyId, backend, model);
        return inserted == 1 || find(responseId).map(stored -> stored.ownedBy(keyId)).orElse(false);
    }

    @Override
    public Optional<StoredResponse> find(String responseId) {
        if (responseId == null || !ID.matcher(responseId).matches()) {
            return Optional.empty();
        }
        return jdbc.query("select * from stored_response where response_id = ?",
                (rs, i) -> new StoredResponse(rs.getString("response_id"), rs.getObject("key_id", UUID.class),
                        rs.getString("backend"), rs.getString("model"), rs.getTimestamp("created_at").toInstant()),
                responseId).stream().findFirst();
    }

    @Override
    public void forget(String responseId) {
        jdbc.update("delete from stored_response where response_id = ?", responseId);
    }

    @Override
    public List<HousekeepingTask> housekeepingTasks() {
        return List.of(new HousekeepingTask("responses.prune", Duration.ofHours(1), Duration.ofMinutes(1),
                this::prune));
    }

    /** Deletes ownership rows past the retention, {@value #PRUNE_BATCH} per statement. */
    int prune() {
        int total = 0;
        int deleted;
        do {
            deleted = jdbc.update("delete from stored_response where response_id in (select response_id"
                    + " from stored_response where created_at < now() - make_interval(days => ?) limit ?)",
                    (int) RETENTION.toDays(), PRUNE_BATCH);
            total += deleted;
        } while (deleted == PRUNE_BATCH);
        return total;
    }
}
