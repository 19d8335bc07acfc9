package io.portcullis.gateway.admin;

import io.portcullis.gateway.access.PolicyJson;
import io.portcullis.gateway.admin.AdminKeysController.CreatedKey;
import io.portcullis.gateway.admin.AdminKeysController.KeyView;
import io.portcullis.gateway.admin.AdminKeysController.RotatedKey;
import io.portcullis.gateway.alert.AlertThresholdStore;
import io.portcullis.gateway.audit.AuditLog;
import io.portcullis.gateway.auth.KeyIssuer;
import io.portcullis.gateway.auth.KeyStore;
import io.portcullis.gateway.auth.StoredKey;
import io.portcullis.gateway.team.Team;
import io.portcullis.gateway.team.TeamStore;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.policy.DeveloperKeyBounds;
import io.portcullis.policy.Limits;
import io.portcullis.policy.UsagePolicy;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Developer self-service ({@code /admin/api/me/teams} and {@code /admin/api/me/keys}, developer
 * role only): a developer creates keys in the teams they belong to, within each team's
 * {@code developerKeyLimits}, and rotates and revokes the keys they created. A family of its own
 * rather than {@code /admin/api/keys} filtered by role: the staff endpoints keep their one rule
 * (a role, checked by URL), and nothing a developer sends can reach a query written for staff.
 * Another developer's key, or one made by an admin, is "no such key" (404), as is an unknown id.
 * Every change is audited under the developer's name, as the staff endpoints audit theirs.
 */
@RestController
@RequestMapping("/admin/api/me")
class DeveloperKeysController {

    /** Most keys one list answers; {@code maxKeysPerDeveloper} bounds the active ones far below. */
    static final int LIST_MAX = 1000;

    private final DeveloperStore developers;
    private final KeyStore keys;
    private final KeyIssuer issuer;
    private final TeamStore teams;
    private final AuditLog audit;
    private final AlertThresholdStore alertAt;
    private final InstantSource clock;

    DeveloperKeysController(DeveloperStore developers, KeyStore keys, KeyIssuer issuer, TeamStore teams,
                            AuditLog audit, InstantSource clock, AlertThresholdStore alertAt) {
        this.alertAt = alertAt;
        this.developers = developers;
        this.keys = keys;
        this.issuer = issuer;
        this.teams = teams;
        this.audit = audit;
        this.clock = clock;
    }

    /** A key as its owner sees it, with the alert thresholds an admin may have set on it. */
    private KeyView view(StoredKey k, Instant now) {
        return KeyView.of(k, now, alertAt.list(k.scope()));
    }

    /** A team as its developers see it: its name and what they may give a key, nothing else. */
    record MyTeam(UUID id, String name, Map<String, Object> developerKeyLimits) {
    }

    record MyTeams(List<MyTeam> data) {
    }

    record MyKeys(List<KeyView> data) {
    }

    @GetMapping("/teams")
    MyTeams teams(@AuthenticationPrincipal AdminIdentity me) {
        return new MyTeams(developers.memberTeams(me).stream().flatMap(id -> teams.find(id).stream())
                .map(t -> new MyTeam(t.id(), t.name(),
                        DeveloperKeyLimitsJson.toMap(developers.bounds(t.id()).orElse(null))))
                .toList());
    }

    @GetMapping("/keys")
    MyKeys list(@AuthenticationPrincipal AdminIdentity me) {
        Instant now = clock.instant();
        return new MyKeys(developers.ownedKeys(me.owner(), LIST_MAX).stream().flatMap(id -> keys.findById(id).stream())
                .map(k -> view(k, now)).toList());
    }

    @PostMapping("/keys")
    @ResponseStatus(HttpStatus.CREATED)
    @Transactional // the key, its owner row and the audit entry commit together
    CreatedKey create(@RequestBody(required = false) JsonNode body, @AuthenticationPrincipal AdminIdentity me) {
        AdminJson.object(body);
        for (String field : body.propertyNames()) {
            if (!List.of("name", "teamId", "models", "limits", "policy", "expiresAt").contains(field)) {
                throw ApiError.invalidRequest("'" + field + "' is not a field of a developer's key", field)
                        .toException();
            }
        }
        String name = AdminJson.requiredString(body, "name", AdminKeysController.NAME_MAX);
        UUID teamId = AdminJson.optionalUuid(body, "teamId");
        if (teamId == null) {
            throw ApiError.invalidRequest("'teamId' is required: a developer's key belongs to one of their teams",
                    "teamId").toException();
        }
        Limits limits = PolicyJson.limits(body.get("limits"), "limits");
        UsagePolicy policy = PolicyJson.policy(body.get("policy"), "policy", false);
        List<String> models = AdminJson.stringList(body, "models", PolicyJson.MAX_LIST);
        Instant now = clock.instant();
        Instant expiresAt = AdminKeysController.newExpiry(body, now);
        Team team = memberTeam(me, teamId);
        DeveloperKeyBounds bounds = developers.bounds(team.id()).orElseThrow(() -> new ApiError(403,
                "Team '" + team.name() + "' has no developerKeyLimits: ask an admin to set them before developers"
                        + " create keys in it", "invalid_request_error", "teamId", "no_developer_key_limits")
                .toException());
        var within = switch (bounds.narrow(limits, new LinkedHashSet<>(models), policy)) {
            case DeveloperKeyBounds.Within w -> w;
            case DeveloperKeyBounds.Wider wider -> throw new ApiError(403, "'" + wider.field() + "' " + wider.reason(),
                    "invalid_request_error", wider.field(), "exceeds_developer_key_limits").toException();
        };
        int active = developers.lockAndCountActive(me.owner(), team.id(), now);
        if (active >= bounds.maxKeysPerDeveloper()) {
            throw new ApiError(409, "You already hold " + active + " active key(s) in team '" + team.name()
                    + "', its most per developer; revoke one first", "invalid_request_error", null,
                    "developer_key_limit_reached").toException();
        }
        var issued = issuer.create(name, team.id(), within.models().stream().sorted().toList(), within.limits(),
                within.policy(), expiresAt);
        StoredKey k = issued.key();
        developers.own(k.id(), me.owner(), me.name(), now);
        audit.record("key.create", "key", k.id().toString(), null, view(k, now));
        return new CreatedKey(k.id(), issued.secret(), k.prefix(), k.name(), k.teamId(), k.models(),
                PolicyJson.toMap(k.limits()), PolicyJson.toMap(k.policy(), false), k.createdAt(), k.expiresAt(), List.of());
    }

    @PostMapping("/keys/{id}/rotate")
    @Transactional
    RotatedKey rotate(@PathVariable String id, @AuthenticationPrincipal AdminIdentity me) {
        StoredKey current = owned(me, id);
        if (current.revokedAt() != null) {
            throw AdminKeysController.revokedCannotRotate();
        }
        // A developer who left the team (or whose key an admin moved out of it) gets no fresh secret.
        if (current.teamId() == null || !developers.memberTeams(me).contains(current.teamId())) {
            throw notMember(current.teamId());
        }
        var issued = issuer.rotate(current.id()).orElseThrow(() -> notFound(id));
        Instant now = clock.instant();
        audit.record("key.rotate", "key", id, view(current, now), view(issued.key(), now));
        return new RotatedKey(issued.key().id(), issued.secret(), issued.key().prefix());
    }

    /** Revoking is always allowed to the owner, even after leaving the team: it only takes power away. */
    @DeleteMapping("/keys/{id}")
    @Transactional
    KeyView revoke(@PathVariable String id, @AuthenticationPrincipal AdminIdentity me) {
        StoredKey current = owned(me, id);
        Instant now = clock.instant();
        KeyView after = keys.revoke(current.id(), now).map(k -> view(k, now)).orElseThrow(() -> notFound(id));
        if (current.revokedAt() == null) {
            audit.record("key.revoke", "key", id, view(current, now), after);
        }
        return after;
    }

    private Team memberTeam(AdminIdentity me, UUID teamId) {
        if (!developers.memberTeams(me).contains(teamId)) {
            throw notMember(teamId);
        }
        return teams.find(teamId).orElseThrow(() -> notMember(teamId));
    }

    /** The caller's own key; anyone else's, and an unknown id, are the same 404. */
    private StoredKey owned(AdminIdentity me, String id) {
        UUID keyId = AdminJson.pathId(id);
        if (!developers.owns(me.owner(), keyId)) {
            throw notFound(id);
        }
        return keys.findById(keyId).orElseThrow(() -> notFound(id));
    }

    /** The same answer whether the team exists or not, so a developer cannot probe for team ids. */
    private static RuntimeException notMember(UUID teamId) {
        return new ApiError(403, "You are not a developer of team " + teamId, "invalid_request_error", "teamId",
                "not_a_member").toException();
    }

    private static RuntimeException notFound(String id) {
        return ApiError.notFound("No such key: " + id).toException();
    }
}
