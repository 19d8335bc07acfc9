package io.portcullis.gateway.team;

import io.portcullis.gateway.access.PolicyJson;
import io.portcullis.policy.Limits;
import io.portcullis.policy.UsagePolicy;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;
import io.portcullis.gateway.web.ApiError;

/** Teams in PostgreSQL; every change notifies {@value #CHANNEL} so replicas reload within moments. */
@Repository
public class TeamStore {

    /** Notification channel; payload: the team id. */
    static final String CHANNEL = "portcullis_teams";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;

    TeamStore(JdbcTemplate jdbc, TransactionTemplate tx) {
        this.jdbc = jdbc;
        this.tx = tx;
    }

    public Optional<Team> find(UUID id) {
        return jdbc.query("select * from team where id = ?", TeamStore::map, id).stream().findFirst();
    }

    public List<Team> list() {
        return jdbc.query("select * from team order by name", TeamStore::map);
    }

    /**
     * One row, whatever its limits and policy hold: a team whose stored policy no longer passes
     * is listed as unusable and refuses every request of its keys; see {@link PolicyJson#readStored}.
     */
    private static Team map(ResultSet rs, int row) throws SQLException {
        UUID id = rs.getObject("id", UUID.class);
        Instant updatedAt = rs.getTimestamp("updated_at").toInstant();
        var stored = PolicyJson.readStored(rs.getString("limits"), rs.getString("policy"), true,
                "team " + id + " updated " + updatedAt);
        return new Team(id, rs.getString("name"), stored.limits(), stored.policy(),
                rs.getTimestamp("created_at").toInstant(), updatedAt, stored.error());
    }

    public Team create(String name, Limits limits, UsagePolicy policy, Instant now) {
        var team = new Team(UUID.randomUUID(), name, limits, policy, now, now);
        try {
            tx.executeWithoutResult(s -> {
                jdbc.update("insert into team (id, name, limits, policy, created_at, updated_at)"
                                + " values (?, ?, ?::jsonb, ?::jsonb, ?, ?)", team.id(), name,
                        PolicyJson.write(PolicyJson.toMap(limits)), PolicyJson.write(PolicyJson.toMap(policy, true)),
                        java.sql.Timestamp.from(now), java.sql.Timestamp.from(now));
                notifyChanged(team.id());
            });
        } catch (DuplicateKeyException e) {
            throw duplicateName(name);
        }
        return team;
    }

    public Optional<Team> update(UUID id, String name, Limits limits, UsagePolicy policy, Instant now) {
        try {
            int rows = tx.execute(s -> {
                int n = jdbc.update("update team set name = ?, limits = ?::jsonb, policy = ?::jsonb, updated_at = ?"
                                + " where id = ?", name, PolicyJson.write(PolicyJson.toMap(limits)),
                        PolicyJson.write(PolicyJson.toMap(policy, true)), java.sql.Timestamp.from(now), id);
                notifyChanged(id);
                return n;
            });
            return rows == 0 ? Optional.empty() : find(id);
        } catch (DuplicateKeyException e) {
            throw duplicateName(name);
        }
    }

    /** @return false when no such team; refuses (409) while keys still belong to it */
    public boolean delete(UUID id) {
        return Boolean.TRUE.equals(tx.execute(s -> {
            Integer keys = jdbc.queryForObject("select count(*) from api_key where team_id = ? and revoked_at is null",
                    Integer.class, id);
            if (keys != null && keys > 0) {
                throw new ApiError(409, "The team still has " + keys + " active key(s); move or revoke them first",
                        "invalid_request_error", null, "team_not_empty").toException();
            }
            jdbc.update("update api_key set team_id = null where team_id = ?", id);
            int n = jdbc.update("delete from team where id = ?", id);
            notifyChanged(id);
            return n > 0;
        }));
    }

    public boolean exists(UUID id) {
        return !jdbc.queryForList("select 1 from team where id = ?", id).isEmpty();
    }

    private void notifyChanged(UUID id) {
        jdbc.query("select pg_notify(?, ?)", rs -> null, CHANNEL, id.toString());
    }

    private static RuntimeException duplicateName(String name) {
        return new ApiError(409, "A team named '" + name + "' already exists", "invalid_request_error", "name",
                "team_exists").toException();
    }
}
