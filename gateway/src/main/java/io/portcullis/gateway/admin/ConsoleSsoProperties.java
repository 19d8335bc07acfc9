package io.portcullis.gateway.admin;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How single sign-on users get a console role: the value(s) of one claim of the OpenID Connect
 * ID token (or user info) are matched against three lists; the highest matching role wins, and
 * a user matching none is refused. The identity provider itself is a standard Spring Boot
 * client registration ({@code spring.security.oauth2.client.registration.<id>.*}, see README).
 *
 * @param roleClaim      claim holding the user's groups or roles (a string or a list of strings)
 * @param adminValues    claim values that make an {@code admin}
 * @param operatorValues claim values that make an {@code operator}
 * @param viewerValues   claim values that make a {@code viewer}
 */
@ConfigurationProperties(ConsoleSsoProperties.PREFIX)
record ConsoleSsoProperties(@DefaultValue("groups") String roleClaim, @DefaultValue List<String> adminValues,
                            @DefaultValue List<String> operatorValues, @DefaultValue List<String> viewerValues) {

    static final String PREFIX = "gateway.admin.sso";

    Optional<AdminRole> roleFor(Object claim) {
        Set<String> values = switch (claim) {
            case null -> Set.of();
            case String s -> Set.of(s);
            case Collection<?> c -> c.stream().map(String::valueOf).collect(Collectors.toSet());
            default -> Set.of(String.valueOf(claim));
        };
        if (adminValues.stream().anyMatch(values::contains)) {
            return Optional.of(AdminRole.ADMIN);
        }
        if (operatorValues.stream().anyMatch(values::contains)) {
            return Optional.of(AdminRole.OPERATOR);
        }
        if (viewerValues.stream().anyMatch(values::contains)) {
            return Optional.of(AdminRole.VIEWER);
        }
        return Optional.empty();
    }
}
