package io.portcullis.gateway.admin;

import java.util.Locale;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;

/**
 * Console form login against {@link AdminAccounts}. Wrong password, unknown user, disabled and
 * locked accounts all get the same answer, so the login form does not reveal which accounts exist.
 */
class AccountAuthenticationProvider implements AuthenticationProvider {

    private final AdminAccounts accounts;

    AccountAuthenticationProvider(AdminAccounts accounts) {
        this.accounts = accounts;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        String username = authentication.getName() == null ? "" : authentication.getName().strip()
                .toLowerCase(Locale.ROOT);
        Object credentials = authentication.getCredentials();
        String password = credentials == null ? "" : credentials.toString();
        if (username.isEmpty() || username.length() > AdminAccountsController.USERNAME_MAX
                || password.length() > AdminAccountsController.PASSWORD_MAX) {
            throw new BadCredentialsException("Invalid username or password");
        }
        return accounts.login(username, password)
                .map(identity -> UsernamePasswordAuthenticationToken.authenticated(identity, null,
                        identity.authorities()))
                .orElseThrow(() -> new BadCredentialsException("Invalid username or password"));
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
