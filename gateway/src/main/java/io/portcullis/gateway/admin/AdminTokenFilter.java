package io.portcullis.gateway.admin;

import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ErrorWriter;
import io.portcullis.gateway.web.GatewayException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates admin calls that carry a bearer token. A request with a bearer header is judged
 * by that token alone: a bad token is refused here even if the request also has a console
 * session, which is what makes it safe to exempt bearer calls from CSRF checks (a cross-site
 * page cannot set an Authorization header). The identity is never saved to a session. An
 * address that presents too many unknown tokens hears 429 {@code rate_limit_exceeded} with
 * {@code Retry-After} ({@link AdminTokens#authenticate}).
 */
class AdminTokenFilter extends OncePerRequestFilter {

    private final AdminTokens tokens;

    AdminTokenFilter(AdminTokens tokens) {
        this.tokens = tokens;
    }

    static boolean hasBearer(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!hasBearer(request)) {
            chain.doFilter(request, response);
            return;
        }
        var verdict = tokens.authenticate(request.getHeader("Authorization").substring(7).trim(),
                request.getRemoteAddr());
        AdminIdentity identity;
        switch (verdict) {
            case AdminTokens.Verdict.Admitted admitted -> identity = admitted.identity();
            case AdminTokens.Verdict.Throttled throttled -> {
                ErrorWriter.write(response, new GatewayException(ApiError.ofStatus(429,
                        "Too many invalid admin tokens from this address; retry later"), throttled.retryAfter()));
                return;
            }
            case AdminTokens.Verdict.Refused refused -> {
                ErrorWriter.write(response, ApiError.invalidApiKey("Missing or invalid admin token"));
                return;
            }
        }
        var context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(identity, null,
                identity.authorities()));
        SecurityContextHolder.setContext(context);
        chain.doFilter(request, response);
    }
}
