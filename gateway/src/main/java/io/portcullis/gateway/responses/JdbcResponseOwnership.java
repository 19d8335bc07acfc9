package io.portcullis.gateway.responses;

import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Response ownership in PostgreSQL ({@code stored_response}, migration V48). */
@Repository
class JdbcResponseOwnership implements ResponseOwnership {

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
}
