package io.portcullis.gateway.proxy;

import io.portcullis.gateway.auth.ApiKeyAuthenticator;
import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.backend.BackendRegistry;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.portcullis.gateway.team.Teams;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/models}. The proxied {@code POST} endpoints of the client API (contract section 2)
 * are served by {@link ProxyServlet}, outside Spring MVC.
 */
@RestController
class ProxyController {

    private final ApiKeyAuthenticator authenticator;
    private final BackendRegistry backends;
    private final Teams teams;

    ProxyController(ApiKeyAuthenticator authenticator, BackendRegistry backends, Teams teams) {
        this.authenticator = authenticator;
        this.backends = backends;
        this.teams = teams;
    }

    /** Only the models this key may use, in OpenAI's list shape. */
    @GetMapping("/v1/models")
    Map<String, Object> models(HttpServletRequest request) {
        Caller caller = authenticator.authenticate(request);
        Set<String> teamModels = caller.teamId() == null ? Set.of()
                : teams.find(caller.teamId()).map(t -> t.policy().models()).orElse(Set.of());
        List<Map<String, Object>> data = backends.routes().stream()
                .filter(route -> caller.grant().allowsModel(route.model()))
                .filter(route -> teamModels.isEmpty() || teamModels.contains(route.model()))
                .map(route -> Map.<String, Object>of("id", route.model(), "object", "model", "created", 0,
                        "owned_by", route.primary().backend().name()))
                .toList();
        return Map.of("object", "list", "data", data);
    }
}
