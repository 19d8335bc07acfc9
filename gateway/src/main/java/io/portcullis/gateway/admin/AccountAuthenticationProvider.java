package io.portcullis.gateway.admin;

import java.util.Locale;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.WebAuthenticationDetails;

/**
 * Console form login through {@link ConsoleSignIn}, from the client address of the request
 * ({@code request.getRemoteAddr()}, which the forwarded-headers settings make the real client's).
 * Wrong password, unknown user, disabled, locked and throttled all get the same answer, so the
 * login form does not reveal which accounts exist. A username no account can have (control
 * characters, too long...) goes the same way as an unknown one, under the name
 * {@value #INVALID}, so nothing it holds reaches the database or the audit log.
 */
class AccountAuthenticationProvider implements AuthenticationProvider {

    private static final String NO_ADDRESS = "unknown";
    static final String INVALID = "(invalid)";

    private final ConsoleSignIn signIn;

    AccountAuthenticationProvider(ConsoleSignIn signIn) {
        this.signIn = signIn;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        String username = authentication.getName() == null ? "" : authentication.getName().strip()
                .toLowerCase(Locale.ROOT);
        Object credentials = authentication.getCredentials();
        String password = credentials == null ? "" : credentials.toString();
        String address = authentication.getDetails() instanceof WebAuthenticationDetails web
                && web.getRemoteAddress() != null ? web.getRemoteAddress() : NO_ADDRESS;
        if (!AdminAccountsController.USERNAME.matcher(username).matches()
                || password.length() > AdminAccountsController.PASSWORD_MAX) {
            username = INVALID;
        }
        return signIn.signIn(username, password, address)
                .map(identity -> UsernamePasswordAuthenticationToken.authenticated(identity, null,
                        identity.authorities()))
                .orElseThrow(() -> new BadCredentialsException("Invalid username or password"));
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
