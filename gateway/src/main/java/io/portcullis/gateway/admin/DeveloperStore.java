package io.portcullis.gateway.admin;

import io.portcullis.gateway.access.PolicyJson;
import io.portcullis.gateway.web.StrictJson;
import io.portcullis.policy.DeveloperKeyBounds;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * What developer self-service stores beside keys and teams (V65): which teams a developer account
 * belongs to, each team's developer key limits, and who owns a self-service key.
 */
@Repository
class DeveloperStore {

    private static final Logger log = LoggerFactory.getLogger(DeveloperStore.class);

    private final JdbcTemplate jdbc;

    DeveloperStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    // ---- membership ---------------------------------------------------------------------------

    List<UUID> teamsOf(UUID accountId) {
        return jdbc.queryForList("select team_id from developer_team where account_id = ? order by team_id",
                UUID.class, accountId);
    }

    /**
     * The teams a developer belongs to now: an account's from the database (so a change applies at
     * once), a single sign-on user's as their claim named them at sign-in, less teams deleted since.
     */
    List<UUID> memberTeams(AdminIdentity identity) {
        return identity.accountId() != null ? teamsOf(identity.accountId()) : existingTeams(identity.ssoTeams());
    }

    /** Every account's teams, for the accounts list. */
    Map<UUID, List<UUID>> allMemberships() {
        var map = new HashMap<UUID, List<UUID>>();
        jdbc.query("select account_id, team_id from developer_team order by team_id", rs -> {
            map.computeIfAbsent(rs.getObject("account_id", UUID.class), k -> new java.util.ArrayList<>())
                    .add(rs.getObject("team_id", UUID.class));
        });
        return map;
    }

    void setTeams(UUID accountId, Collection<UUID> teamIds) {
        jdbc.update("delete from developer_team where account_id = ?", accountId);
        for (UUID team : teamIds) {
            jdbc.update("insert into developer_team (account_id, team_id) values (?, ?)", accountId, team);
        }
    }

    /** The ids of the teams among {@code ids} that exist. */
    List<UUID> existingTeams(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.queryForList("select id from team where id = any(?) order by id", UUID.class,
                (Object) ids.toArray(UUID[]::new));
    }

    /** The ids of the teams with these names (single sign-on); unknown names are left out. */
    List<UUID> teamsNamed(Collection<String> names) {
        if (names.isEmpty()) {
            return List.of();
        }
        return jdbc.queryForList("select id from team where name = any(?) order by id", UUID.class,
                (Object) names.toArray(String[]::new));
    }

    // ---- bounds -------------------------------------------------------------------------------

    /** A team's bound; empty when it has none or the stored one cannot be read (both: no self-service). */
    Optional<DeveloperKeyBounds> bounds(UUID teamId) {
        return jdbc.queryForList("select bounds::text from team_developer_key_limits where team_id = ?", String.class,
                teamId).stream().findFirst().flatMap(json -> read(teamId, json));
    }

    Map<UUID, DeveloperKeyBounds> allBounds() {
        var map = new HashMap<UUID, DeveloperKeyBounds>();
        jdbc.query("select team_id, bounds::text as bounds from team_developer_key_limits", rs -> {
            UUID team = rs.getObject("team_id", UUID.class);
            read(team, rs.getString("bounds")).ifPresent(b -> map.put(team, b));
        });
        return map;
    }

    void setBounds(UUID teamId, DeveloperKeyBounds bounds, Instant now) {
        if (bounds == null) {
            jdbc.update("delete from team_developer_key_limits where team_id = ?", teamId);
            return;
        }
        jdbc.update("""
                insert into team_developer_key_limits (team_id, bounds, updated_at) values (?, ?::jsonb, ?)
                on conflict (team_id) do update set bounds = excluded.bounds, updated_at = excluded.updated_at""",
                teamId, PolicyJson.write(DeveloperKeyLimitsJson.toMap(bounds)), Timestamp.from(now));
    }

    /** Fails closed: a bound that no longer passes validation lets no developer create a key. */
    private static Optional<DeveloperKeyBounds> read(UUID teamId, String json) {
        try {
            return Optional.ofNullable(DeveloperKeyLimitsJson.parse(StrictJson.MAPPER.readTree(json)));
        } catch (RuntimeException e) {
            log.warn("Team {}: stored developerKeyLimits cannot be used; developers may not create keys in it ({})",
                    teamId, e.getMessage());
            return Optional.empty();
        }
    }

    // ---- ownership ----------------------------------------------------------------------------

    void own(UUID keyId, String owner, String createdBy, Instant now) {
        jdbc.update("insert into developer_key (key_id, owner, created_by, created_at) values (?, ?, ?, ?)", keyId,
                owner, createdBy, Timestamp.from(now));
    }

    boolean owns(String owner, UUID keyId) {
        return !jdbc.queryForList("select 1 from developer_key where key_id = ? and owner = ?", keyId, owner)
                .isEmpty();
    }

    /** The owner's keys, newest first, at most {@code limit}. */
    List<UUID> ownedKeys(String owner, int limit) {
        return jdbc.queryForList("""
                select d.key_id from developer_key d join api_key k on k.id = d.key_id
                where d.owner = ? order by k.created_at desc, k.id desc limit ?""", UUID.class, owner, limit);
    }

    /**
     * The owner's keys in the team that still work (neither revoked nor expired), counted under a
     * per-owner transaction lock so that parallel creations cannot pass the count together.
     */
    int lockAndCountActive(String owner, UUID teamId, Instant now) {
        jdbc.query("select pg_advisory_xact_lock(hashtextextended(?, 20))", rs -> null, "developer-keys:" + owner);
        Integer n = jdbc.queryForObject("""
                select count(*) from developer_key d join api_key k on k.id = d.key_id
                where d.owner = ? and k.team_id = ? and k.revoked_at is null
                  and (k.expires_at is null or k.expires_at > ?)""", Integer.class, owner, teamId, Timestamp.from(now));
        return n == null ? 0 : n;
    }
}
