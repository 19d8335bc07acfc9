package io.portcullis.gateway.proxy;

import io.portcullis.gateway.auth.ApiKeyAuthenticator;
import io.portcullis.gateway.auth.Caller;
import io.portcullis.gateway.backend.BackendRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.portcullis.gateway.team.Teams;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** The OpenAI-compatible client API (contract section 2). */
@RestController
class ProxyController {

    private final ProxyHandler handler;
    private final ApiKeyAuthenticator authenticator;
    private final BackendRegistry backends;
    private final Teams teams;

    ProxyController(ProxyHandler handler, ApiKeyAuthenticator authenticator, BackendRegistry backends, Teams teams) {
        this.handler = handler;
        this.authenticator = authenticator;
        this.backends = backends;
        this.teams = teams;
    }

    @PostMapping("/v1/chat/completions")
    void chatCompletions(HttpServletRequest request, HttpServletResponse response) throws IOException {
        handler.handle(Endpoint.CHAT_COMPLETIONS, request, response);
    }

    @PostMapping("/v1/completions")
    void completions(HttpServletRequest request, HttpServletResponse response) throws IOException {
        handler.handle(Endpoint.COMPLETIONS, request, response);
    }

    @PostMapping("/v1/embeddings")
    void embeddings(HttpServletRequest request, HttpServletResponse response) throws IOException {
        handler.handle(Endpoint.EMBEDDINGS, request, response);
    }

    /** The Anthropic-compatible front door: same keys (x-api-key), quotas, policies and ledger. */
    @PostMapping("/v1/messages")
    void messages(HttpServletRequest request, HttpServletResponse response) throws IOException {
        handler.handle(Endpoint.MESSAGES, request, response);
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
