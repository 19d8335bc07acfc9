package io.portcullis.gateway.admin;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
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
 * the next sign-in.
 */
class SsoLogin implements AuthenticationSuccessHandler {

    private static final Logger log = LoggerFactory.getLogger(SsoLogin.class);

    private final ConsoleSsoProperties properties;
    private final HttpSessionSecurityContextRepository sessions = new HttpSessionSecurityContextRepository();

    SsoLogin(ConsoleSsoProperties properties) {
        this.properties = properties;
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
            SecurityContextHolder.clearContext();
            var session = request.getSession(false);
            if (session != null) {
                session.invalidate();
            }
            response.sendRedirect(request.getContextPath() + "/admin/login.html?error=sso-role");
            return;
        }
        var identity = new AdminIdentity(user.getName() + " (sso " + token.getAuthorizedClientRegistrationId() + ")",
                role.get(), null, null, AdminIdentity.Kind.SSO);
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(identity, null,
                identity.authorities()));
        SecurityContextHolder.setContext(context);
        sessions.saveContext(context, request, response);
        response.sendRedirect(request.getContextPath() + "/admin/");
    }
}
