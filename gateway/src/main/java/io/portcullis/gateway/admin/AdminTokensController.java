package io.portcullis.gateway.admin;

import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.audit.AuditLog;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /admin/api/tokens} (admin role only): personal admin API tokens for scripts. A token
 * belongs to an account (the caller's own unless {@code accountId} says otherwise) and acts with
 * that account's role; the token itself is shown once, in the answer to its creation.
 */
@RestController
class AdminTokensController {

    private final AdminTokens tokens;
    private final AdminAccounts accounts;
    private final AuditLog audit;

    AdminTokensController(AdminTokens tokens, AdminAccounts accounts, AuditLog audit) {
        this.tokens = tokens;
        this.accounts = accounts;
        this.audit = audit;
    }

    record Tokens(List<AdminTokens.TokenView> data) {
    }

    record CreatedToken(UUID id, String token, String name, String prefix, UUID accountId, String username,
                        Instant createdAt) {
    }

    @GetMapping("/admin/api/tokens")
    Tokens list() {
        return new Tokens(tokens.list());
    }

    @PostMapping("/admin/api/tokens")
    @ResponseStatus(HttpStatus.CREATED)
    @Transactional
    CreatedToken create(@RequestBody(required = false) JsonNode body, @AuthenticationPrincipal AdminIdentity caller) {
        AdminJson.object(body);
        String name = AdminJson.requiredString(body, "name", 200);
        UUID accountId = AdminJson.optionalUuid(body, "accountId");
        if (accountId == null) {
            accountId = caller.accountId();
        }
        if (accountId == null) {
            throw ApiError.invalidRequest("'accountId' is required: this identity has no account of its own",
                    "accountId").toException();
        }
        if (accounts.find(accountId).isEmpty()) {
            throw ApiError.invalidRequest("No such account: " + accountId, "accountId").toException();
        }
        var issued = tokens.create(name, accountId);
        var v = issued.view();
        audit.record("token.create", "token", v.id().toString(), null, v);
        return new CreatedToken(v.id(), issued.token(), v.name(), v.prefix(), v.accountId(), v.username(),
                v.createdAt());
    }

    @DeleteMapping("/admin/api/tokens/{id}")
    @Transactional
    AdminTokens.TokenView revoke(@PathVariable String id) {
        UUID tokenId;
        try {
            tokenId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiError.notFound("No such token: " + id).toException();
        }
        var before = tokens.find(tokenId).orElseThrow(() -> ApiError.notFound("No such token: " + id).toException());
        var after = tokens.revoke(tokenId).orElseThrow();
        if (before.revokedAt() == null) {
            audit.record("token.revoke", "token", id, before, after);
        }
        return after;
    }
}
