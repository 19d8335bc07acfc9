package io.portcullis.gateway.admin;

import io.portcullis.gateway.access.PolicyJson;
import io.portcullis.gateway.alert.AlertThresholdStore;
import io.portcullis.gateway.audit.AuditLog;
import io.portcullis.gateway.team.Team;
import io.portcullis.gateway.team.TeamStore;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.policy.DeveloperKeyBounds;
import io.portcullis.policy.Limits;
import io.portcullis.policy.UsagePolicy;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /admin/api/teams} (contract section 3): teams with shared limits and policy. Every change
 * is audited in the same transaction, with the team's admin view before and after.
 */
@RestController
@RequestMapping("/admin/api/teams")
class AdminTeamsController {

    private final TeamStore teams;
    private final InstantSource clock;
    private final AuditLog audit;
    private final DeveloperStore developers;
    private final AlertThresholdStore alertAt;

    AdminTeamsController(TeamStore teams, InstantSource clock, AuditLog audit, DeveloperStore developers,
                         AlertThresholdStore alertAt) {
        this.teams = teams;
        this.clock = clock;
        this.audit = audit;
        this.developers = developers;
        this.alertAt = alertAt;
    }

    /**
     * A team; one whose stored limits or policy cannot be used shows them as null and why in
     * {@code policyError}. {@code developerKeyLimits} null: developers may not create keys in it.
     */
    record TeamView(UUID id, String name, Map<String, Object> limits, Map<String, Object> policy, Instant createdAt,
                    Instant updatedAt, String policyError, Map<String, Object> developerKeyLimits,
                    List<Integer> alertAt) {
        static TeamView of(Team t, DeveloperKeyBounds bounds, List<Integer> alertAt) {
            boolean usable = t.policyError() == null;
            return new TeamView(t.id(), t.name(), usable ? PolicyJson.toMap(t.limits()) : null,
                    usable ? PolicyJson.toMap(t.policy(), true) : null, t.createdAt(), t.updatedAt(), t.policyError(),
                    DeveloperKeyLimitsJson.toMap(bounds), alertAt);
        }
    }

    private TeamView view(Team t) {
        return TeamView.of(t, developers.bounds(t.id()).orElse(null), alertAt.list(t.scope()));
    }

    record TeamList(List<TeamView> data) {
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Transactional // the change and its audit entry commit together
    TeamView create(@RequestBody(required = false) JsonNode body) {
        AdminJson.object(body);
        String name = AdminJson.requiredString(body, "name", AdminKeysController.NAME_MAX);
        Limits limits = PolicyJson.limits(body.get("limits"), "limits");
        UsagePolicy policy = PolicyJson.policy(body.get("policy"), "policy", true);
        DeveloperKeyBounds bounds = DeveloperKeyLimitsJson.parse(body.get(DeveloperKeyLimitsJson.FIELD));
        List<Integer> percents = AdminAlertsController.alertAt(body);
        Team team = teams.create(name, limits, policy, clock.instant());
        developers.setBounds(team.id(), bounds, clock.instant());
        alertAt.set(team.scope(), percents);
        TeamView created = TeamView.of(team, bounds, percents);
        audit.record("team.create", "team", created.id().toString(), null, created);
        return created;
    }

    @GetMapping
    TeamList list() {
        var bounds = developers.allBounds();
        return new TeamList(teams.list().stream()
                .map(t -> TeamView.of(t, bounds.get(t.id()), alertAt.list(t.scope()))).toList());
    }

    @GetMapping("/{id}")
    TeamView get(@PathVariable String id) {
        return view(find(id));
    }

    @PatchMapping("/{id}")
    @Transactional
    TeamView update(@PathVariable String id, @RequestBody(required = false) JsonNode body) {
        Team current = find(id);
        AdminJson.object(body);
        AdminJson.requireReplacementOfUnusable(current.policyError(), body);
        String name = AdminJson.present(body, "name")
                ? AdminJson.requiredString(body, "name", AdminKeysController.NAME_MAX) : current.name();
        Limits limits = AdminJson.present(body, "limits") ? PolicyJson.limits(body.get("limits"), "limits")
                : current.limits();
        UsagePolicy policy = AdminJson.present(body, "policy") ? PolicyJson.policy(body.get("policy"), "policy", true)
                : current.policy();
        boolean newBounds = AdminJson.present(body, DeveloperKeyLimitsJson.FIELD);
        DeveloperKeyBounds bounds = newBounds ? DeveloperKeyLimitsJson.parse(body.get(DeveloperKeyLimitsJson.FIELD))
                : null;
        List<Integer> percents = AdminJson.present(body, "alertAt") ? AdminAlertsController.alertAt(body)
                : alertAt.list(current.scope());
        TeamView before = view(current);
        var updated = teams.update(current.id(), name, limits, policy, clock.instant())
                .orElseThrow(() -> notFound(id));
        if (newBounds) {
            developers.setBounds(current.id(), bounds, clock.instant());
        }
        alertAt.set(updated.scope(), percents);
        // the thresholds just set, not the store's copy, which reloads when the transaction ends
        TeamView after = TeamView.of(updated, developers.bounds(updated.id()).orElse(null), percents);
        audit.record("team.update", "team", after.id().toString(), before, after);
        return after;
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Transactional
    void delete(@PathVariable String id) {
        Team current = find(id);
        TeamView before = view(current);
        if (!teams.delete(current.id())) {
            throw notFound(id);
        }
        alertAt.set(current.scope(), List.of());
        audit.record("team.delete", "team", current.id().toString(), before, null);
    }

    private Team find(String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw notFound(id);
        }
        return teams.find(uuid).orElseThrow(() -> notFound(id));
    }

    private static RuntimeException notFound(String id) {
        return ApiError.notFound("No such team: " + id).toException();
    }
}
