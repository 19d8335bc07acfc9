package io.portcullis.gateway.admin;

import io.portcullis.gateway.access.PolicyJson;
import io.portcullis.gateway.alert.AlertThresholdStore;
import io.portcullis.gateway.audit.AuditLog;
import io.portcullis.gateway.auth.KeyIssuer;
import io.portcullis.gateway.auth.KeyStore;
import io.portcullis.gateway.auth.StoredKey;
import io.portcullis.gateway.team.TeamStore;
import io.portcullis.gateway.web.ApiError;
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
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /admin/api/keys} (contract section 3). Secrets appear only in the answers to create and
 * rotate; list and get never show them.
 */
@RestController
@RequestMapping("/admin/api/keys")
class AdminKeysController {

    static final int NAME_MAX = 200;
    static final int PAGE_MAX = 500;

    private final KeyStore store;
    private final KeyIssuer issuer;
    private final TeamStore teams;
    private final InstantSource clock;
    private final AuditLog audit;
    private final AlertThresholdStore alertAt;

    AdminKeysController(KeyStore store, KeyIssuer issuer, TeamStore teams, InstantSource clock, AuditLog audit,
                        AlertThresholdStore alertAt) {
        this.alertAt = alertAt;
        this.store = store;
        this.issuer = issuer;
        this.teams = teams;
        this.clock = clock;
        this.audit = audit;
    }

    /**
     * A key as admins see it: never the secret nor its hash. A key whose stored limits or policy
     * cannot be used shows {@code limits} and {@code policy} as null and says why in
     * {@code policyError}; it refuses every request until a PATCH sends both again.
     */
    record KeyView(UUID id, String name, String prefix, UUID teamId, List<String> models, Map<String, Object> limits,
                   Map<String, Object> policy, String status, Instant createdAt, Instant updatedAt, Instant expiresAt,
                   Instant revokedAt, String policyError, List<Integer> alertAt) {
        static KeyView of(StoredKey k, Instant now, List<Integer> alertAt) {
            String status = k.revokedAt() != null ? "revoked"
                    : k.expiresAt() != null && !now.isBefore(k.expiresAt()) ? "expired" : "active";
            boolean usable = k.policyError() == null;
            return new KeyView(k.id(), k.name(), k.prefix(), k.teamId(), k.models(),
                    usable ? PolicyJson.toMap(k.limits()) : null, usable ? PolicyJson.toMap(k.policy(), false) : null,
                    status, k.createdAt(), k.updatedAt(), k.expiresAt(), k.revokedAt(), k.policyError(), alertAt);
        }
    }

    /** The answer to create: the view plus the secret, shown this once. */
    record CreatedKey(UUID id, String key, String prefix, String name, UUID teamId, List<String> models,
                      Map<String, Object> limits, Map<String, Object> policy, Instant createdAt, Instant expiresAt,
                      List<Integer> alertAt) {
    }

    record RotatedKey(UUID id, String key, String prefix) {
    }

    record Page(List<KeyView> data, String nextCursor) {
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Transactional // the change and its audit entry commit together
    CreatedKey create(@RequestBody(required = false) JsonNode body) {
        AdminJson.object(body);
        String name = AdminJson.requiredString(body, "name", NAME_MAX);
        UUID teamId = team(body);
        Limits limits = PolicyJson.limits(body.get("limits"), "limits");
        UsagePolicy policy = PolicyJson.policy(body.get("policy"), "policy", false);
        List<String> models = AdminJson.stringList(body, "models", PolicyJson.MAX_LIST);
        Instant expiresAt = newExpiry(body, clock.instant());
        List<Integer> percents = AdminAlertsController.alertAt(body);
        var issued = issuer.create(name, teamId, models, limits, policy, expiresAt);
        var k = issued.key();
        alertAt.set(k.scope(), percents);
        audit.record("key.create", "key", k.id().toString(), null, KeyView.of(k, clock.instant(), percents));
        return new CreatedKey(k.id(), issued.secret(), k.prefix(), k.name(), k.teamId(), k.models(),
                PolicyJson.toMap(k.limits()), PolicyJson.toMap(k.policy(), false), k.createdAt(), k.expiresAt(),
                percents);
    }

    @GetMapping
    Page list(@RequestParam(defaultValue = "50") int limit, @RequestParam(required = false) String cursor,
              @RequestParam(required = false) String q, @RequestParam(required = false) String teamId) {
        if (limit < 1 || limit > PAGE_MAX) {
            throw ApiError.invalidRequest("'limit' must be between 1 and " + PAGE_MAX, "limit").toException();
        }
        StoredKey after = null;
        if (cursor != null && !cursor.isBlank()) {
            after = store.findById(cursorId(cursor))
                    .orElseThrow(() -> ApiError.invalidRequest("Unknown cursor", "cursor").toException());
        }
        q = AdminJson.textParam(q, "q", 200);
        Instant now = clock.instant();
        UUID team = null;
        if (teamId != null && !teamId.isBlank()) {
            try {
                team = UUID.fromString(teamId);
            } catch (IllegalArgumentException e) {
                throw ApiError.invalidRequest("'teamId' must be a UUID", "teamId").toException();
            }
        }
        var keys = store.list(limit + 1, after, q, team);
        String next = keys.size() > limit ? keys.get(limit - 1).id().toString() : null;
        return new Page(keys.stream().limit(limit).map(k -> view(k, now)).toList(), next);
    }

    @GetMapping("/{id}")
    KeyView get(@PathVariable String id) {
        return view(find(AdminJson.pathId(id)), clock.instant());
    }

    @PatchMapping("/{id}")
    @Transactional
    KeyView update(@PathVariable String id, @RequestBody(required = false) JsonNode body) {
        UUID keyId = AdminJson.pathId(id);
        AdminJson.object(body);
        StoredKey current = find(keyId);
        AdminJson.requireReplacementOfUnusable(current.policyError(), body);
        UUID teamId = AdminJson.present(body, "teamId") ? team(body) : current.teamId();
        Limits limits = AdminJson.present(body, "limits") ? PolicyJson.limits(body.get("limits"), "limits")
                : current.limits();
        UsagePolicy policy = AdminJson.present(body, "policy") ? PolicyJson.policy(body.get("policy"), "policy", false)
                : current.policy();
        String name = AdminJson.present(body, "name") ? AdminJson.requiredString(body, "name", NAME_MAX)
                : current.name();
        List<String> models = AdminJson.present(body, "models")
                ? AdminJson.stringList(body, "models", PolicyJson.MAX_LIST) : current.models();
        Instant expiresAt = AdminJson.present(body, "expiresAt") ? AdminJson.optionalInstant(body, "expiresAt")
                : current.expiresAt();
        List<Integer> percents = AdminJson.present(body, "alertAt") ? AdminAlertsController.alertAt(body)
                : alertAt.list(current.scope());
        Instant now = clock.instant();
        KeyView before = view(current, now);
        alertAt.set(current.scope(), percents);
        var edited = new StoredKey(current.id(), current.publicId(), current.secretHash(), name, teamId, models, limits,
                policy, current.createdAt(), now, expiresAt, current.revokedAt());
        KeyView after = store.update(edited, now).map(k -> KeyView.of(k, now, percents))
                .orElseThrow(() -> notFound(id));
        audit.record("key.update", "key", id, before, after);
        return after;
    }

    @PostMapping("/{id}/rotate")
    @Transactional
    RotatedKey rotate(@PathVariable String id) {
        UUID keyId = AdminJson.pathId(id);
        StoredKey current = find(keyId);
        if (current.revokedAt() != null) {
            throw revokedCannotRotate();
        }
        var issued = issuer.rotate(keyId).orElseThrow(() -> notFound(id));
        audit.record("key.rotate", "key", id, view(current, clock.instant()), view(issued.key(), clock.instant()));
        return new RotatedKey(issued.key().id(), issued.secret(), issued.key().prefix());
    }

    @DeleteMapping("/{id}")
    @Transactional
    KeyView revoke(@PathVariable String id) {
        Instant now = clock.instant();
        StoredKey current = find(AdminJson.pathId(id));
        KeyView after = store.revoke(current.id(), now).map(k -> view(k, now))
                .orElseThrow(() -> notFound(id));
        if (current.revokedAt() == null) {
            audit.record("key.revoke", "key", id, view(current, now), after);
        }
        return after;
    }

    private KeyView view(StoredKey k, Instant now) {
        return KeyView.of(k, now, alertAt.list(k.scope()));
    }

    private StoredKey find(UUID id) {
        return store.findById(id).orElseThrow(() -> notFound(id.toString()));
    }

    /** A new key's {@code expiresAt}: absent, or in the future. */
    static Instant newExpiry(JsonNode body, Instant now) {
        Instant expiresAt = AdminJson.optionalInstant(body, "expiresAt");
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw ApiError.invalidRequest("'expiresAt' must be in the future", "expiresAt").toException();
        }
        return expiresAt;
    }

    static RuntimeException revokedCannotRotate() {
        return new ApiError(409, "A revoked key cannot be rotated; create a new key", "invalid_request_error",
                null, "key_revoked").toException();
    }

    private static RuntimeException notFound(String id) {
        return ApiError.notFound("No such key: " + id).toException();
    }

    private static UUID cursorId(String cursor) {
        try {
            return UUID.fromString(cursor);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidRequest("Malformed cursor", "cursor").toException();
        }
    }

    private UUID team(JsonNode body) {
        UUID teamId = AdminJson.optionalUuid(body, "teamId");
        if (teamId != null && !teams.exists(teamId)) {
            throw ApiError.invalidRequest("No such team: " + teamId, "teamId").toException();
        }
        return teamId;
    }
}
