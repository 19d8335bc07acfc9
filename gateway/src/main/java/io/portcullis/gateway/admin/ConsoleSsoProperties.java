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
 * ID token (or user info) are matched against four lists; the highest matching role wins (admin,
 * operator, viewer, then developer), and a user matching none is refused. A developer's teams are
 * the teams named by a second claim; names that match no team are ignored. The identity provider itself is a standard Spring Boot
 * client registration ({@code spring.security.oauth2.client.registration.<id>.*}, see README).
 *
 * @param roleClaim      claim holding the user's groups or roles (a string or a list of strings)
 * @param adminValues    claim values that make an {@code admin}
 * @param operatorValues claim values that make an {@code operator}
 * @param viewerValues   claim values that make a {@code viewer}
 * @param developerValues claim values that make a {@code developer}
 * @param teamsClaim     claim holding a developer's team names (a string or a list of strings)
 */
@ConfigurationProperties(ConsoleSsoProperties.PREFIX)
record ConsoleSsoProperties(@DefaultValue("groups") String roleClaim, @DefaultValue List<String> adminValues,
                            @DefaultValue List<String> operatorValues, @DefaultValue List<String> viewerValues,
                            @DefaultValue List<String> developerValues,
                            @DefaultValue("portcullis_teams") String teamsClaim) {

    static final String PREFIX = "gateway.admin.sso";

    Optional<AdminRole> roleFor(Object claim) {
        Set<String> values = values(claim);
        if (adminValues.stream().anyMatch(values::contains)) {
            return Optional.of(AdminRole.ADMIN);
        }
        if (operatorValues.stream().anyMatch(values::contains)) {
            return Optional.of(AdminRole.OPERATOR);
        }
        if (viewerValues.stream().anyMatch(values::contains)) {
            return Optional.of(AdminRole.VIEWER);
        }
        if (developerValues.stream().anyMatch(values::contains)) {
            return Optional.of(AdminRole.DEVELOPER);
        }
        return Optional.empty();
    }

    /** The values of a claim: a string, a list of them, or anything else as its text. */
    static Set<String> values(Object claim) {
        return switch (claim) {
            case null -> Set.of();
            case String s -> Set.of(s);
            case Collection<?> c -> c.stream().map(String::valueOf).collect(Collectors.toSet());
            default -> Set.of(String.valueOf(claim));
        };
    }
}
