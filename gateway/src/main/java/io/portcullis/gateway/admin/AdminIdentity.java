package io.portcullis.gateway.admin;

import java.io.Serializable;
import java.security.Principal;
import java.util.List;
import java.util.UUID;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * Who is calling the admin API: a console account (session), a personal token (acting for its
 * account) or the bootstrap token. {@link #getName()} is what the audit log records as the actor.
 *
 * @param name      actor as shown in the audit log, e.g. {@code alice} or {@code alice (token ci)}
 * @param accountId the account, null for the bootstrap token and single sign-on
 * @param tokenId   the admin token used, null for a console session
 * @param ssoTeams  for a developer signed in by single sign-on: the teams their claim named, read at
 *                  sign-in (accounts' teams are read from the database on every request instead)
 */
record AdminIdentity(String name, AdminRole role, UUID accountId, UUID tokenId, Kind kind, List<UUID> ssoTeams)
        implements Principal, Serializable {

    AdminIdentity {
        ssoTeams = List.copyOf(ssoTeams);
    }

    AdminIdentity(String name, AdminRole role, UUID accountId, UUID tokenId, Kind kind) {
        this(name, role, accountId, tokenId, kind, List.of());
    }

    /**
     * Who owns the keys this identity creates as a developer: the account (whichever way it signed
     * in), or the single sign-on name, which carries the registration ({@code alice (sso company)}).
     */
    String owner() {
        if (accountId != null) {
            return "account:" + accountId;
        }
        if (kind == Kind.SSO) {
            return "sso:" + name;
        }
        // the bootstrap token: an admin, never routed to self-service; refuse rather than share an owner
        throw new IllegalStateException("The bootstrap token owns no developer keys");
    }

    static final String BOOTSTRAP = "bootstrap-token";

    /** How the caller proved who they are; the values appear in {@code GET /admin/api/me}. */
    enum Kind {
        SESSION("session"), TOKEN("token"), BOOTSTRAP_TOKEN("bootstrap-token"), SSO("sso");

        final String value;

        Kind(String value) {
            this.value = value;
        }
    }

    @Override
    public String getName() {
        return name;
    }

    List<GrantedAuthority> authorities() {
        return List.of(new SimpleGrantedAuthority(role.authority()));
    }
}
