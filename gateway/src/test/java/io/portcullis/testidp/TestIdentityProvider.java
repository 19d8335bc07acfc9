package io.portcullis.testidp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

/**
 * A real OpenID Connect provider for tests (outside the gateway's packages, so the gateway
 * never scans it): Spring Authorization Server, configured by Spring
 * Boot, on {@code http://localhost:<port>} (another host than the gateway's 127.0.0.1, so the
 * browser keeps their cookies apart). Users put their groups in the ID token's {@code groups}
 * claim: {@code alice} is in {@code portcullis-operators}, {@code mallory} in no console group,
 * {@code dave} in {@code portcullis-developers} with the teams {@code sso-devs} and
 * {@code no-such-team} in the {@code portcullis_teams} claim.
 */
@SpringBootConfiguration
@EnableAutoConfiguration(excludeName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration"})
public class TestIdentityProvider {

    public static final String CLIENT_ID = "portcullis-console";
    public static final String CLIENT_SECRET = "idp-client-secret-for-tests";
    public static final String PASSWORD = "idp password";

    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(
                User.withUsername("alice").password("{noop}" + PASSWORD).authorities("GROUP_portcullis-operators")
                        .build(),
                User.withUsername("mallory").password("{noop}" + PASSWORD).authorities("GROUP_interns").build(),
                User.withUsername("dave").password("{noop}" + PASSWORD).authorities("GROUP_portcullis-developers",
                        "TEAM_sso-devs", "TEAM_no-such-team").build());
    }

    @Bean
    OAuth2TokenCustomizer<JwtEncodingContext> groupsInIdToken() {
        return context -> {
            if ("id_token".equals(context.getTokenType().getValue())) {
                List<String> groups = context.getPrincipal().getAuthorities().stream()
                        .map(GrantedAuthority::getAuthority).filter(a -> a.startsWith("GROUP_"))
                        .map(a -> a.substring("GROUP_".length())).toList();
                context.getClaims().claim("groups", groups);
                List<String> teams = context.getPrincipal().getAuthorities().stream()
                        .map(GrantedAuthority::getAuthority).filter(a -> a.startsWith("TEAM_"))
                        .map(a -> a.substring("TEAM_".length())).toList();
                if (!teams.isEmpty()) {
                    context.getClaims().claim("portcullis_teams", teams);
                }
            }
        };
    }

    /** Starts the provider on {@code port}, accepting {@code redirectUri} for the gateway's client. */
    public static ConfigurableApplicationContext start(int port, String redirectUri) {
        String client = "spring.security.oauth2.authorizationserver.client.console.";
        return new SpringApplicationBuilder(TestIdentityProvider.class).properties(
                "spring.config.name=portcullis-test-idp", // not the gateway's application.yml
                "spring.main.banner-mode=off",
                "server.address=127.0.0.1",
                "server.port=" + port,
                "spring.security.oauth2.authorizationserver.issuer=" + issuer(port),
                client + "registration.client-id=" + CLIENT_ID,
                client + "registration.client-secret={noop}" + CLIENT_SECRET,
                client + "registration.client-authentication-methods=client_secret_basic",
                client + "registration.authorization-grant-types=authorization_code",
                client + "registration.redirect-uris=" + redirectUri,
                client + "registration.scopes=openid,profile",
                client + "require-authorization-consent=false").run();
    }

    public static String issuer(int port) {
        return "http://localhost:" + port;
    }

    /** A port free right now on the loopback interface. */
    public static int freePort() {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
