package io.portcullis.gateway.admin;

import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ErrorWriter;
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
 * page cannot set an Authorization header). The identity is never saved to a session.
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
        var identity = tokens.resolve(request.getHeader("Authorization").substring(7).trim());
        if (identity.isEmpty()) {
            ErrorWriter.write(response, ApiError.invalidApiKey("Missing or invalid admin token"));
            return;
        }
        var context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(identity.get(), null,
                identity.get().authorities()));
        SecurityContextHolder.setContext(context);
        chain.doFilter(request, response);
    }
}
