package io.portcullis.gateway.admin;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A console session remembers who signed in, not what they may do: on every request the account
 * is read again, so a role change applies at once and a disabled or deleted account's session
 * ends at its next request (one primary-key lookup per console request).
 */
class SessionAccountFilter extends OncePerRequestFilter {

    private final AdminAccounts accounts;

    SessionAccountFilter(AdminAccounts accounts) {
        this.accounts = accounts;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        var authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication != null && authentication.getPrincipal() instanceof AdminIdentity identity
                && identity.kind() == AdminIdentity.Kind.SESSION) {
            var account = accounts.find(identity.accountId()).filter(a -> a.disabledAt() == null);
            var context = SecurityContextHolder.createEmptyContext();
            if (account.isEmpty()) {
                var session = request.getSession(false);
                if (session != null) {
                    session.invalidate();
                }
            } else {
                // Only for this request: the session keeps the identity, which is read afresh next time.
                var current = new AdminIdentity(identity.name(), account.get().role(), identity.accountId(), null,
                        AdminIdentity.Kind.SESSION);
                context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(current, null,
                        current.authorities()));
            }
            SecurityContextHolder.setContext(context);
        }
        chain.doFilter(request, response);
    }
}
