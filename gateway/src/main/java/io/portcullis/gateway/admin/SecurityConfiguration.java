package io.portcullis.gateway.admin;

import io.portcullis.gateway.web.ApiError;
import io.portcullis.gateway.web.ErrorWriter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;

/**
 * Two filter chains. {@code /admin/api/**} requires an admin bearer token. Everything else is
 * open at this layer: the client API authenticates API keys itself on the request path
 * (see {@code ApiKeyAuthenticator}), the console assets are public, and actuator exposes only
 * health and Prometheus.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    @Bean
    @Order(1)
    SecurityFilterChain adminApi(HttpSecurity http, AdminTokens tokens) throws Exception {
        http.securityMatcher("/admin/api/**")
                .csrf(csrf -> csrf.disable()) // bearer tokens only; the console's session login comes with CSRF on
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .addFilterBefore(new AdminTokenFilter(tokens), AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(auth -> auth.anyRequest().hasRole("ADMIN"))
                .exceptionHandling(e -> e
                        .authenticationEntryPoint((req, res, ex) -> ErrorWriter.write(res,
                                ApiError.invalidApiKey("Missing or invalid admin token")))
                        .accessDeniedHandler((req, res, ex) -> ErrorWriter.write(res,
                                ApiError.ofStatus(403, "Not allowed for this admin identity"))))
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable());
        return http.build();
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
}
