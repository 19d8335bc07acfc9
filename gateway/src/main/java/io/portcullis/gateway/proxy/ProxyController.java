package io.portcullis.gateway.proxy;

import io.portcullis.gateway.auth.ApiKeyAuthenticator;
import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.backend.BackendRegistry;
import io.portcullis.gateway.team.Team;
import io.portcullis.gateway.team.Teams;
import io.portcullis.gateway.web.PresentedKey;
import io.portcullis.policy.AccessPolicy;
import io.portcullis.policy.UsagePolicy;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/models}. The proxied {@code POST} endpoints of the client API (contract section 2)
 * are served by {@link ClientApi} (through {@link ProxyServlet} on Tomcat), outside Spring MVC.
 */
@RestController
class ProxyController {

    private final ApiKeyAuthenticator authenticator;
    private final BackendRegistry backends;
    private final Teams teams;
    private final RateLimitHeaders rateLimitHeaders;
    private final AccessPolicy access;

    ProxyController(ApiKeyAuthenticator authenticator, BackendRegistry backends, Teams teams,
                    RateLimitHeaders rateLimitHeaders, AccessPolicy access) {
        this.authenticator = authenticator;
        this.backends = backends;
        this.teams = teams;
        this.rateLimitHeaders = rateLimitHeaders;
        this.access = access;
    }

    /**
     * Only the models this key may use ({@link AccessPolicy#visibleModels}), in OpenAI's list shape.
     * The key's rate-limit headers are set as soon as the key is known, so an error after that
     * carries them too.
     */
    @GetMapping("/v1/models")
    Map<String, Object> models(HttpServletRequest request, HttpServletResponse response) {
        Caller caller = authenticator.authenticate(PresentedKey.of(request));
        Team team = caller.teamId() == null ? null : teams.find(caller.teamId()).orElse(null);
        rateLimitHeaders.write(response, caller, team);
        Collection<BackendRegistry.Route> routes = backends.routes();
        UsagePolicy teamPolicy = team == null ? UsagePolicy.OPEN : team.policy();
        Set<String> visible = Set.copyOf(access.visibleModels(caller.grant(), teamPolicy,
                routes.stream().map(BackendRegistry.Route::model).toList()));
        List<Map<String, Object>> data = routes.stream()
                .filter(route -> visible.contains(route.model()))
                .map(route -> Map.<String, Object>of("id", route.model(), "object", "model", "created", 0,
                        "owned_by", route.primary().backend().name()))
                .toList();
        return Map.of("object", "list", "data", data);
    }
}
