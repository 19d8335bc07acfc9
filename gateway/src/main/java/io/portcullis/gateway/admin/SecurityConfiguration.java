package io.portcullis.gateway.admin;

import io.portcullis.gateway.audit.AuditLog;
import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ErrorWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.web.DefaultSecurityFilterChain;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfFilter;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.csrf.CsrfException;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.AnyRequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Two filter chains.
 *
 * <p>{@code /admin/**} (console pages and admin API): a bearer admin token (bootstrap or personal,
 * stateless, no CSRF check since browsers cannot forge the header cross-site) or a console
 * session from form login (CSRF token required on every change, sent back by the console from
 * the {@code XSRF-TOKEN} cookie). Roles: {@code viewer} may read ({@code GET}), {@code operator}
 * may also change keys and teams, {@code admin} may also change backends and alert webhooks and manage
 * accounts and admin tokens; {@code developer} is outside that ladder and may use only {@code /admin/api/me}
 * and {@code /admin/api/me/**} (SECURITY.md, "Roles"). The
 * rules are here, in one place, and {@code AdminApiAccessTest} checks every mapped endpoint
 * against them.
 *
 * <p>The client API ({@code /v1/**}) passes through an empty chain: it authenticates API keys
 * itself on the request path (see {@code ApiKeyAuthenticator}), keeps no session and sets no
 * cookie, so the dozen filters of a permit-all chain (and an observation around each) would only
 * cost time on every call (docs/performance.md). The firewall still checks every request.
 * Everything else is open at this layer too: actuator exposes only health and Prometheus.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    /** Content-Security-Policy of the console: its own scripts and styles only, no inline code. */
    static final String CONSOLE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
    /** Cookie the console reads the CSRF token from; its value goes back in {@value #CSRF_HEADER}. */
    static final String CSRF_COOKIE = "XSRF-TOKEN";
    static final String CSRF_HEADER = "X-XSRF-TOKEN";
    /** Where the console starts a single sign-on ({@code /<registration id>} appended). */
    static final String SSO_AUTHORIZATION = "/admin/oauth2/authorization";
    /** Where identity providers send users back; register {@code {baseUrl}/admin/login/oauth2/code/<id>}. */
    static final String SSO_CALLBACK = "/admin/login/oauth2/code/*";

    @Bean
    PasswordEncoder passwordEncoder() {
        // {bcrypt} by default; the stored prefix lets the algorithm change later (upgraded at login).
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    static RoleHierarchy roleHierarchy() {
        return RoleHierarchyImpl.withDefaultRolePrefix()
                .role("ADMIN").implies("OPERATOR")
                .role("OPERATOR").implies("VIEWER")
                .build();
    }

    @Bean
    @Order(0)
    SecurityFilterChain clientApi() {
        return new DefaultSecurityFilterChain(PathPatternRequestMatcher.withDefaults().matcher("/v1/**"));
    }

    @Bean
    @Order(1)
    SecurityFilterChain console(HttpSecurity http, AdminTokens tokens, AdminAccounts accounts,
                                ConsoleSignIn signIn, AuditLog audit,
                                ObjectProvider<ClientRegistrationRepository> ssoProviders,
                                ConsoleSsoProperties sso, DeveloperStore developers,
                                @Value("${server.servlet.session.cookie.secure:true}") boolean secureCookies)
            throws Exception {
        var api = PathPatternRequestMatcher.withDefaults().matcher("/admin/api/**");
        var csrfRepository = CookieCsrfTokenRepository.withHttpOnlyFalse();
        csrfRepository.setCookiePath("/admin");
        csrfRepository.setHeaderName(CSRF_HEADER);
        csrfRepository.setCookieCustomizer(c -> c.secure(secureCookies).sameSite("Strict"));
        var loginPage = new LoginUrlAuthenticationEntryPoint("/admin/login.html");
        http.securityMatcher("/admin", "/admin/**")
                .authenticationProvider(new AccountAuthenticationProvider(signIn))
                .addFilterAfter(new SessionAccountFilter(accounts), SecurityContextHolderFilter.class)
                .addFilterAfter(new AdminTokenFilter(tokens), SessionAccountFilter.class)
                .csrf(csrf -> csrf.csrfTokenRepository(csrfRepository)
                        // The token lives in a cookie, never in a compressed page body, so the
                        // plain handler (no BREACH masking) is enough and lets the static login
                        // form send the cookie's value as _csrf.
                        .csrfTokenRequestHandler(new CsrfTokenRequestAttributeHandler())
                        .ignoringRequestMatchers(AdminTokenFilter::hasBearer))
                .addFilterAfter(new CsrfCookieFilter(), CsrfFilter.class)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.IF_REQUIRED))
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers("/admin/login.html", "/admin/login", "/admin/login/options",
                                "/admin/assets/**", SSO_AUTHORIZATION + "/*", SSO_CALLBACK).permitAll()
                        // Who am I: every identity. The rest of /me is developer self-service, and
                        // developers stand outside the hierarchy: nothing else below admits them.
                        .requestMatchers(HttpMethod.GET, "/admin/api/me").authenticated()
                        .requestMatchers("/admin/api/me/**").hasRole("DEVELOPER")
                        .requestMatchers("/admin/api/accounts", "/admin/api/accounts/**", "/admin/api/tokens",
                                "/admin/api/tokens/**").hasRole("ADMIN")
                        // Backends decide where every team's prompts (and the upstream keys) go:
                        // anyone may look, only an admin may change them.
                        .requestMatchers(HttpMethod.GET, "/admin/api/backends", "/admin/api/backends/**")
                        .hasRole("VIEWER")
                        .requestMatchers("/admin/api/backends", "/admin/api/backends/**").hasRole("ADMIN")
                        .requestMatchers(HttpMethod.GET, "/admin/api/alerts/**").hasRole("VIEWER")
                        .requestMatchers("/admin/api/alerts/**").hasRole("ADMIN")
                        .requestMatchers(HttpMethod.GET, "/admin/api/**").hasRole("VIEWER")
                        .requestMatchers("/admin/api/**").hasRole("OPERATOR")
                        .anyRequest().authenticated())
                .formLogin(form -> form.loginPage("/admin/login.html").loginProcessingUrl("/admin/login")
                        .defaultSuccessUrl("/admin/", true).failureUrl("/admin/login.html?error"))
                .logout(logout -> logout.logoutUrl("/admin/logout").logoutSuccessUrl("/admin/login.html?logout")
                        .deleteCookies("PORTCULLIS_SESSION", CSRF_COOKIE))
                .exceptionHandling(e -> e
                        .defaultAuthenticationEntryPointFor((req, res, ex) -> ErrorWriter.write(res,
                                ApiError.invalidApiKey("Missing or invalid admin credentials")), api)
                        .defaultAuthenticationEntryPointFor(loginPage, AnyRequestMatcher.INSTANCE)
                        .accessDeniedHandler((req, res, ex) -> ErrorWriter.write(res, refusal(ex))))
                .headers(h -> h.contentSecurityPolicy(csp -> csp.policyDirectives(CONSOLE_CSP))
                        .referrerPolicy(r -> r.policy(ReferrerPolicy.SAME_ORIGIN)))
                .requestCache(c -> c.disable())
                .httpBasic(b -> b.disable());
        if (ssoProviders.getIfAvailable() != null) {
            // Optional OpenID Connect login, on when spring.security.oauth2.client.registration.* is set.
            http.oauth2Login(o -> o.loginPage("/admin/login.html")
                    .authorizationEndpoint(a -> a.baseUri(SSO_AUTHORIZATION))
                    .redirectionEndpoint(r -> r.baseUri(SSO_CALLBACK))
                    .successHandler(new SsoLogin(sso, audit, developers))
                    .failureUrl("/admin/login.html?error=sso"));
        }
        return http.build();
    }

    /** A caller with no identity at all hears 401 even when the CSRF check stopped it first. */
    private static ApiError refusal(Exception denied) {
        var authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication == null || authentication instanceof AnonymousAuthenticationToken) {
            return ApiError.invalidApiKey("Missing or invalid admin credentials");
        }
        return denied instanceof CsrfException
                ? ApiError.ofStatus(403, "Missing or invalid CSRF token; reload the console")
                : ApiError.ofStatus(403, "Not allowed for this admin identity's role");
    }

    @Bean
    @Order(2)
    SecurityFilterChain everythingElse(HttpSecurity http) throws Exception {
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .authorizeHttpRequests(auth -> auth.anyRequest().permitAll())
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable())
                .requestCache(c -> c.disable());
        return http.build();
    }

    /**
     * Makes the CSRF cookie exist from the first page the console loads (the token is otherwise
     * created lazily, and a static page has nothing that would ask for it).
     */
    static final class CsrfCookieFilter extends OncePerRequestFilter {
        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            if (request.getAttribute(CsrfToken.class.getName()) instanceof CsrfToken token) {
                token.getToken();
            }
            chain.doFilter(request, response);
        }
    }
}
