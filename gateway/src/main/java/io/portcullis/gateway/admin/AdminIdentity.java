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
 * @param accountId the account, null for the bootstrap token
 * @param tokenId   the admin token used, null for a console session
 */
record AdminIdentity(String name, AdminRole role, UUID accountId, UUID tokenId) implements Principal, Serializable {

    static final String BOOTSTRAP = "bootstrap-token";

    @Override
    public String getName() {
        return name;
    }

    List<GrantedAuthority> authorities() {
        return List.of(new SimpleGrantedAuthority(role.authority()));
    }

    String kind() {
        return tokenId == null && accountId != null ? "session" : accountId == null ? "bootstrap-token" : "token";
    }
}
