package io.portcullis.gateway.admin;

import io.portcullis.gateway.BaseUrl;
import io.portcullis.gateway.backend.Backend;
import io.portcullis.gateway.backend.BackendType;
import io.portcullis.gateway.backend.BackendRegistry;
import io.portcullis.gateway.backend.DeploymentHealth;
import io.portcullis.gateway.backend.JdbcBackendStore;
import io.portcullis.gateway.backend.RecentCalls;
import io.portcullis.gateway.backend.UpstreamDestinations;
import io.portcullis.gateway.backend.UpstreamKeySealer;
import io.portcullis.gateway.audit.AuditLog;
import io.portcullis.gateway.web.ApiError;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /admin/api/backends}: every deployment (backend + model) with its routing weight and
 * priority and its circuit breaker's view of its health; and backends managed at run time
 * (stored in PostgreSQL, upstream key sealed, every replica updated through LISTEN/NOTIFY).
 * Backends from configuration are listed but cannot be changed here. Upstream API keys are
 * write-only: never shown, never audited.
 *
 * <p>Changes are the {@code admin} role's only (SecurityConfiguration): a backend decides where
 * every team's prompts go. Each is audited ({@code backend.create}, {@code backend.update},
 * {@code backend.delete}) in the transaction that makes it, and may point only where
 * {@code gateway.upstream.allowed-hosts} allows ({@link UpstreamDestinations}).
 */
@RestController
@RequestMapping("/admin/api/backends")
class AdminBackendsController {

    static final String CONFIGURATION = "configuration";
    static final String ADMIN = "admin";
    /** The built-in demo model, served while no backend is configured or managed. */
    static final String DEMO = "demo";

    private final DeploymentHealth health;
    private final BackendRegistry registry;
    private final JdbcBackendStore store;
    private final UpstreamKeySealer sealer;
    private final UpstreamDestinations destinations;
    private final AuditLog audit;
    private final TransactionTemplate transactions;

    AdminBackendsController(DeploymentHealth health, BackendRegistry registry, JdbcBackendStore store,
                            UpstreamKeySealer sealer, UpstreamDestinations destinations, AuditLog audit,
                            TransactionTemplate transactions) {
        this.health = health;
        this.registry = registry;
        this.store = store;
        this.sealer = sealer;
        this.destinations = destinations;
        this.audit = audit;
        this.transactions = transactions;
    }

    /**
     * @param source      {@value #CONFIGURATION}, {@value #ADMIN}, or {@value #DEMO} for the built-in demo model
     * @param hasApiKey   whether an upstream key is set (the key itself is never shown)
     * @param circuit     closed, half_open or open
     * @param up          whether the circuit lets calls through
     * @param failureRate percentage of failed calls in the sliding window; -1 until enough calls were seen
     * @param recent      this replica's calls to the deployment over the last minutes
     */
    record DeploymentView(String backend, String source, String type, String baseUrl, String model,
                          String upstreamModel, int weight, int priority, List<String> anthropicBeta,
                          boolean hasApiKey, String circuit, boolean up, float failureRate, int bufferedCalls,
                          int failedCalls, RecentView recent) {
    }

    /**
     * A deployment's calls over the last {@code windowSeconds} on this replica
     * ({@link io.portcullis.gateway.backend.RecentCalls}); rates and latencies are null without calls.
     *
     * @param errorRate     failed calls (5xx, unreachable, timed out, broken) as a percentage of all calls
     * @param latencyP50Ms  median milliseconds to the answer's head (a stream's first byte)
     */
    record RecentView(long windowSeconds, long calls, long failures, long rateLimited, Double errorRate,
                      Long latencyP50Ms, Long latencyP99Ms, Long latencyMeanMs) {
        static RecentView of(RecentCalls.Summary s) {
            return new RecentView(s.window().toSeconds(), s.calls(), s.failures(), s.rateLimited(), s.errorRate(),
                    millis(s.p50()), millis(s.p99()), millis(s.mean()));
        }

        private static Long millis(java.time.Duration d) {
            return d == null ? null : d.toMillis();
        }
    }

    record DeploymentList(List<DeploymentView> data) {
    }

    /** A managed backend as stored; {@code hasApiKey} instead of the key. */
    record BackendView(String name, String type, String baseUrl, List<String> models, Map<String, String> aliases,
                       int weight, int priority, List<String> anthropicBeta, boolean hasApiKey) {
        static BackendView of(Backend b) {
            return new BackendView(b.name(), b.type().tag(), b.baseUrl().toString(), b.models(),
                    new java.util.TreeMap<>(b.aliases()), b.weight(), b.priority(), b.anthropicBeta(),
                    b.apiKey() != null);
        }
    }

    @GetMapping
    DeploymentList list() {
        return new DeploymentList(health.statuses().stream().map(s -> {
            var d = s.deployment();
            return new DeploymentView(d.backend().name(), source(d.backend().name()),
                    d.backend().type().tag(), d.backend().baseUrl().toString(), d.model(), d.upstreamModel(),
                    d.weight(), d.priority(), d.backend().anthropicBeta(), d.backend().apiKey() != null, s.circuit(),
                    s.up(), s.failureRate(), s.bufferedCalls(), s.failedCalls(), RecentView.of(s.recent()));
        }).toList());
    }

    private String source(String backend) {
        return registry.isConfigured(backend) ? CONFIGURATION : registry.isDemo(backend) ? DEMO : ADMIN;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    BackendView create(@RequestBody(required = false) JsonNode body) {
        AdminJson.object(body);
        String name = AdminJson.requiredString(body, "name", 64);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw ApiError.invalidRequest("'name' may hold letters, digits, '.', '_' and '-'", "name").toException();
        }
        if (registry.isConfigured(name)) {
            throw fromConfiguration(name);
        }
        Backend backend = backend(name, body, AdminJson.optionalString(body, "apiKey", 4096));
        checkDestination(backend);
        BackendView view = BackendView.of(backend);
        transactions.executeWithoutResult(status -> {
            if (!store.create(backend)) {
                throw new ApiError(409, "A backend named '" + name + "' already exists", "invalid_request_error",
                        "name", "backend_exists").toException();
            }
            audit.record("backend.create", "backend", name, null, view);
        });
        return view;
    }

    /**
     * Replaces a managed backend; without an {@code apiKey} field the stored key is kept
     * ({@code null} removes it), but only while the scheme, host and port stay the same: a key is
     * never sent to an origin it was not entered for.
     */
    @PutMapping("/{name}")
    BackendView replace(@PathVariable String name, @RequestBody(required = false) JsonNode body) {
        AdminJson.object(body);
        if (registry.isConfigured(name)) {
            throw fromConfiguration(name);
        }
        boolean keyGiven = AdminJson.present(body, "apiKey");
        String givenKey = keyGiven ? AdminJson.optionalString(body, "apiKey", 4096) : null;
        Backend proposed = backend(name, body, givenKey);
        checkDestination(proposed);
        BackendView view = transactions.execute(status -> {
            Optional<Backend> existing = store.findForUpdate(name);
            if (existing.isEmpty() && !store.exists(name)) {
                throw notFound(name);
            }
            // A row that no longer opens (its key or URL was tampered with) is replaced only with a new key.
            boolean sameOrigin = existing.isPresent() && sameOrigin(existing.get().baseUrl(), proposed.baseUrl());
            boolean storedKey = existing.isEmpty() || existing.get().apiKey() != null;
            if (!keyGiven && storedKey && !sameOrigin) {
                throw ApiError.invalidRequest("'apiKey' is required when the scheme, host or port of 'baseUrl' "
                        + "changes (the stored key is only sent where it was entered for); send the key again, or "
                        + "\"apiKey\": null for none", "apiKey").toException();
            }
            Backend backend = keyGiven || existing.isEmpty() ? proposed : withKey(proposed, existing.get().apiKey());
            if (!store.replace(backend)) {
                throw notFound(name);
            }
            BackendView after = BackendView.of(backend);
            audit.record("backend.update", "backend", name, existing.map(BackendView::of).orElse(null), after);
            return after;
        });
        return view;
    }

    @DeleteMapping("/{name}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String name) {
        if (registry.isConfigured(name)) {
            throw fromConfiguration(name);
        }
        transactions.executeWithoutResult(status -> {
            Optional<Backend> existing = store.findForUpdate(name);
            if (!store.delete(name)) {
                throw notFound(name);
            }
            audit.record("backend.delete", "backend", name, existing.map(BackendView::of).orElse(null), null);
        });
    }

    /** 400 naming {@code baseUrl} when {@code gateway.upstream.allowed-hosts} does not let a managed backend go there. */
    private void checkDestination(Backend backend) {
        destinations.refusal(backend.baseUrl()).ifPresent(reason -> {
            throw ApiError.invalidRequest("'baseUrl' is refused: " + reason, "baseUrl").toException();
        });
    }

    /** Same scheme, host and port (the default port counted as given). */
    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && effectivePort(a) == effectivePort(b);
    }

    private static int effectivePort(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static Backend withKey(Backend b, String apiKey) {
        return new Backend(b.name(), b.type(), b.baseUrl(), apiKey, b.models(), b.aliases(), b.weight(), b.priority(),
                b.anthropicBeta());
    }

    private Backend backend(String name, JsonNode body, String apiKey) {
        if (apiKey != null && !sealer.available()) {
            throw ApiError.invalidRequest("Set gateway.upstream.encryption-key (GATEWAY_UPSTREAM_ENCRYPTION_KEY) on "
                    + "every replica before storing upstream API keys", "apiKey").toException();
        }
        String type = AdminJson.optionalString(body, "type", 32);
        BackendType backendType;
        try {
            backendType = type == null ? BackendType.OPENAI : BackendType.valueOf(type.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidRequest("'type' must be openai, anthropic, ollama or gemini", "type").toException();
        }
        URI baseUrl;
        try {
            baseUrl = BaseUrl.parse(AdminJson.requiredString(body, "baseUrl", 2048), "'baseUrl'");
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidRequest(e.getMessage(), "baseUrl").toException();
        }
        Map<String, String> aliases = new LinkedHashMap<>();
        JsonNode aliasNode = body.get("aliases");
        if (aliasNode != null && !aliasNode.isNull()) {
            if (!aliasNode.isObject()) {
                throw ApiError.invalidRequest("'aliases' must be an object of model names", "aliases").toException();
            }
            for (var e : aliasNode.properties()) {
                if (!e.getValue().isString()) {
                    throw ApiError.invalidRequest("'aliases' values must be strings", "aliases").toException();
                }
                aliases.put(e.getKey(), e.getValue().stringValue());
            }
        }
        int weight = integer(body, "weight", 1);
        if (weight < 1 || weight > 1000) {
            throw ApiError.invalidRequest("'weight' must be between 1 and 1000", "weight").toException();
        }
        int priority = integer(body, "priority", 0);
        if (priority < 0) {
            throw ApiError.invalidRequest("'priority' must be 0 or more", "priority").toException();
        }
        try {
            return new Backend(name, backendType, baseUrl, apiKey, AdminJson.stringList(body, "models"),
                    aliases, weight, priority, AdminJson.stringList(body, "anthropicBeta"));
        } catch (IllegalArgumentException e) {
            // The same validation as configuration; its message names the field.
            throw ApiError.invalidRequest(e.getMessage(), null).toException();
        }
    }

    private static int integer(JsonNode body, String field, int fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber()) {
            throw ApiError.invalidRequest("'" + field + "' must be an integer", field).toException();
        }
        return node.intValue();
    }

    private static RuntimeException fromConfiguration(String name) {
        return new ApiError(409, "Backend '" + name + "' comes from configuration; change it there",
                "invalid_request_error", "name", "backend_from_configuration").toException();
    }

    private static RuntimeException notFound(String name) {
        return ApiError.notFound("No managed backend named '" + name + "'").toException();
    }
}
