package io.portcullis.gateway.admin;

import io.portcullis.gateway.audit.AuditLog;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.client.authentication.OAuth2AuthenticationToken;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;

/**
 * Completes an OpenID Connect login: maps the configured claim to a console role and replaces
 * the OAuth2 authentication with an {@link AdminIdentity}, so the rest of the console (roles,
 * audit actor, {@code /admin/api/me}) treats SSO users like any other. Users whose claim maps to
 * no role are sent back to the login page. The role is fixed for the session; it is read again at
 * the next sign-in, as are a developer's teams (named by {@link ConsoleSsoProperties#teamsClaim()}).
 * Both outcomes are audited with the client address ({@code sign-in},
 * {@code sign-in.failed} with reason {@code no-role}).
 */
class SsoLogin implements AuthenticationSuccessHandler {

    private static final Logger log = LoggerFactory.getLogger(SsoLogin.class);

    private final ConsoleSsoProperties properties;
    private final AuditLog audit;
    private final DeveloperStore developers;
    private final HttpSessionSecurityContextRepository sessions = new HttpSessionSecurityContextRepository();

    SsoLogin(ConsoleSsoProperties properties, AuditLog audit, DeveloperStore developers) {
        this.properties = properties;
        this.audit = audit;
        this.developers = developers;
    }

    @Override
    public void onAuthenticationSuccess(HttpServletRequest request, HttpServletResponse response,
                                        Authentication authentication) throws IOException {
        var token = (OAuth2AuthenticationToken) authentication;
        var user = token.getPrincipal();
        var role = properties.roleFor(user.getAttributes().get(properties.roleClaim()));
        var context = SecurityContextHolder.createEmptyContext();
        if (role.isEmpty()) {
            log.info("SSO user '{}' from '{}' has no console role (claim '{}'); refused", user.getName(),
                    token.getAuthorizedClientRegistrationId(), properties.roleClaim());
            audit.recordAs(ConsoleSignIn.ANONYMOUS, "sign-in.failed", "sso", token.getAuthorizedClientRegistrationId(),
                    null, Map.of("address", request.getRemoteAddr(), "username", user.getName(), "method", "sso",
                            "reason", "no-role"));
            SecurityContextHolder.clearContext();
            var session = request.getSession(false);
            if (session != null) {
                session.invalidate();
            }
            response.sendRedirect(request.getContextPath() + "/admin/login.html?error=sso-role");
            return;
        }
        // A developer's teams come from a second claim, by name; names of no team are ignored.
        var teams = role.get() == AdminRole.DEVELOPER
                ? developers.teamsNamed(ConsoleSsoProperties.values(user.getAttributes().get(properties.teamsClaim())))
                : java.util.List.<java.util.UUID>of();
        var identity = new AdminIdentity(user.getName() + " (sso " + token.getAuthorizedClientRegistrationId() + ")",
                role.get(), null, null, AdminIdentity.Kind.SSO, teams);
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(identity, null,
                identity.authorities()));
        SecurityContextHolder.setContext(context);
        sessions.saveContext(context, request, response);
        audit.recordAs(identity.name(), "sign-in", "sso", token.getAuthorizedClientRegistrationId(), null,
                Map.of("address", request.getRemoteAddr(), "username", user.getName(), "method", "sso",
                        "role", role.get().value(), "teams", teams.stream().map(Object::toString).toList()));
        response.sendRedirect(request.getContextPath() + "/admin/");
    }
}
