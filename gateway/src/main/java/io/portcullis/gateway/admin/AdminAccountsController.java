package io.portcullis.gateway.admin;

import io.portcullis.gateway.audit.AuditLog;
import io.portcullis.gateway.web.ApiError;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /admin/api/accounts} (admin role only) and {@code /admin/api/me}. The first account is
 * created with the bootstrap token; after that, admins create the others from the console. A
 * developer account carries {@code teamIds}, the teams it creates keys in; a team deleted later
 * simply drops out of them.
 */
@RestController
class AdminAccountsController {

    static final int USERNAME_MAX = 64;
    static final int PASSWORD_MIN = 12;
    /** Longest password a sign-in reads (characters); longer ones are refused unread. */
    static final int PASSWORD_MAX = 128;
    /** In UTF-8 bytes: bcrypt reads no further, and Spring's encoder refuses longer passwords outright. */
    static final int PASSWORD_MAX_BYTES = 72;
    static final Pattern USERNAME = Pattern.compile("[a-z0-9][a-z0-9._@-]{1,63}");

    private final AdminAccounts accounts;
    private final AdminTokens tokens;
    private final AuditLog audit;
    private final InstantSource clock;
    private final DeveloperStore developers;

    AdminAccountsController(AdminAccounts accounts, AdminTokens tokens, AuditLog audit, InstantSource clock,
                            DeveloperStore developers) {
        this.accounts = accounts;
        this.tokens = tokens;
        this.audit = audit;
        this.clock = clock;
        this.developers = developers;
    }

    /** An account as admins see it: never the password hash. {@code teamIds}: a developer's teams, else empty. */
    record AccountView(UUID id, String username, String role, boolean disabled, boolean locked, Instant createdAt,
                       Instant updatedAt, List<UUID> teamIds) {
        static AccountView of(AdminAccounts.Account a, Instant now, List<UUID> teamIds) {
            return new AccountView(a.id(), a.username(), a.role().value(), a.disabledAt() != null,
                    a.lockedUntil() != null && now.isBefore(a.lockedUntil()), a.createdAt(), a.updatedAt(),
                    teamIds == null ? List.of() : teamIds);
        }
    }

    private AccountView view(AdminAccounts.Account a, Instant now) {
        return AccountView.of(a, now, developers.teamsOf(a.id()));
    }

    record Me(String name, String role, String kind, UUID accountId) {
    }

    record Accounts(List<AccountView> data) {
    }

    @GetMapping("/admin/api/me")
    Me me(@AuthenticationPrincipal AdminIdentity identity) {
        return new Me(identity.name(), identity.role().value(), identity.kind().value, identity.accountId());
    }

    @GetMapping("/admin/api/accounts")
    Accounts list() {
        Instant now = clock.instant();
        var teams = developers.allMemberships();
        return new Accounts(accounts.list().stream().map(a -> AccountView.of(a, now, teams.get(a.id()))).toList());
    }

    @PostMapping("/admin/api/accounts")
    @ResponseStatus(HttpStatus.CREATED)
    @Transactional
    AccountView create(@RequestBody(required = false) JsonNode body) {
        AdminJson.object(body);
        String username = AdminJson.requiredString(body, "username", USERNAME_MAX).toLowerCase(Locale.ROOT);
        if (!USERNAME.matcher(username).matches()) {
            throw ApiError.invalidRequest("'username' must be 2-64 characters: letters, digits, '.', '_', '@', '-'",
                    "username").toException();
        }
        String password = password(body);
        if (password == null) {
            throw ApiError.invalidRequest("'password' is required", "password").toException();
        }
        AdminRole role = AdminRole.parse(AdminJson.requiredString(body, "role", 20), "role");
        List<UUID> teamIds = teamIds(body, role);
        if (accounts.usernameTaken(username)) {
            throw new ApiError(409, "An account named '" + username + "' already exists", "invalid_request_error",
                    "username", "already_exists").toException();
        }
        var created = accounts.create(username, password, role);
        developers.setTeams(created.id(), teamIds == null ? List.of() : teamIds);
        var view = view(created, clock.instant());
        audit.record("account.create", "account", view.id().toString(), null, view);
        return view;
    }

    @PatchMapping("/admin/api/accounts/{id}")
    @Transactional
    AccountView update(@PathVariable String id, @RequestBody(required = false) JsonNode body,
                       @AuthenticationPrincipal AdminIdentity caller) {
        UUID accountId = accountId(id);
        AdminJson.object(body);
        var before = accounts.find(accountId).orElseThrow(() -> notFound(id));
        AdminRole role = AdminJson.present(body, "role")
                ? AdminRole.parse(AdminJson.requiredString(body, "role", 20), "role") : null;
        String password = password(body);
        Boolean disabled = null;
        if (AdminJson.present(body, "disabled")) {
            if (!body.get("disabled").isBoolean()) {
                throw ApiError.invalidRequest("'disabled' must be true or false", "disabled").toException();
            }
            disabled = body.get("disabled").booleanValue();
        }
        if (accountId.equals(caller.accountId()) && (Boolean.TRUE.equals(disabled)
                || role != null && role != AdminRole.ADMIN)) {
            throw new ApiError(409, "You cannot disable or demote your own account", "invalid_request_error",
                    null, "self_change").toException();
        }
        List<UUID> teamIds = teamIds(body, role != null ? role : before.role());
        Instant now = clock.instant();
        var beforeView = view(before, now);
        var after = accounts.update(accountId, role, password, disabled).orElseThrow(() -> notFound(id));
        if (teamIds != null) {
            developers.setTeams(accountId, teamIds);
        } else if (after.role() != AdminRole.DEVELOPER) {
            developers.setTeams(accountId, List.of()); // a former developer keeps no team
        }
        tokens.forgetCached();
        var afterView = view(after, now);
        // The audit says that the password changed, never what it is.
        audit.record(password == null ? "account.update" : "account.update-password", "account", id,
                beforeView, afterView);
        return afterView;
    }

    @DeleteMapping("/admin/api/accounts/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Transactional
    void delete(@PathVariable String id, @AuthenticationPrincipal AdminIdentity caller) {
        UUID accountId = accountId(id);
        if (accountId.equals(caller.accountId())) {
            throw new ApiError(409, "You cannot delete your own account", "invalid_request_error", null,
                    "self_change").toException();
        }
        var before = accounts.find(accountId).orElseThrow(() -> notFound(id));
        var beforeView = view(before, clock.instant());
        accounts.delete(accountId);
        tokens.forgetCached();
        audit.record("account.delete", "account", id, beforeView, null);
    }

    /**
     * {@code teamIds}: only for developers, every id an existing team. Null when absent (on create:
     * none; on update: unchanged).
     */
    private List<UUID> teamIds(JsonNode body, AdminRole role) {
        if (!AdminJson.present(body, "teamIds") || body.get("teamIds").isNull()) {
            return null;
        }
        var ids = new java.util.LinkedHashSet<UUID>();
        for (String text : AdminJson.stringList(body, "teamIds", AdminJson.LIST_MAX)) {
            try {
                ids.add(UUID.fromString(text));
            } catch (IllegalArgumentException e) {
                throw ApiError.invalidRequest("'teamIds' must hold team ids (UUIDs)", "teamIds").toException();
            }
        }
        if (role != AdminRole.DEVELOPER && !ids.isEmpty()) {
            throw ApiError.invalidRequest("'teamIds' is only for the developer role", "teamIds").toException();
        }
        var existing = developers.existingTeams(ids);
        for (UUID team : ids) {
            if (!existing.contains(team)) {
                throw ApiError.invalidRequest("No such team: " + team, "teamIds").toException();
            }
        }
        return List.copyOf(ids);
    }

    private static String password(JsonNode body) {
        if (!AdminJson.present(body, "password")) {
            return null;
        }
        JsonNode node = body.get("password");
        if (!node.isString()) {
            throw ApiError.invalidRequest("'password' must be a string", "password").toException();
        }
        String password = node.stringValue();
        if (password.length() < PASSWORD_MIN
                || password.getBytes(StandardCharsets.UTF_8).length > PASSWORD_MAX_BYTES) {
            throw ApiError.invalidRequest("'password' must be at least " + PASSWORD_MIN + " characters and at most "
                    + PASSWORD_MAX_BYTES + " bytes in UTF-8", "password").toException();
        }
        // the same rule as every other admin text; never echoes the password
        return AdminJson.text(password, "password", PASSWORD_MAX_BYTES);
    }

    private static UUID accountId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw notFound(id);
        }
    }

    private static RuntimeException notFound(String id) {
        return ApiError.notFound("No such account: " + id).toException();
    }
}
