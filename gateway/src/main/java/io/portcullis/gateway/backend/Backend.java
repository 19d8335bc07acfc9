package io.portcullis.gateway.backend;

import io.portcullis.gateway.BaseUrl;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * One model backend. Each public model it serves is a <em>deployment</em>: requests for a model
 * are balanced by weight over its deployments of the best priority that is healthy, and fail
 * over to the next priority. Configured under {@code gateway.backends[]} ({@link BackendsProperties})
 * or managed through the admin API ({@link ManagedBackends}); either way this constructor checks it.
 *
 * @param name     unique name, used in metrics and the ledger
 * @param type     protocol spoken by the backend
 * @param baseUrl  base URL ending before the endpoint path, e.g. {@code http://host:8000/v1}
 * @param apiKey   sent upstream (bearer token, {@code x-api-key} for Anthropic, {@code x-goog-api-key} for
 *                 Gemini) when set; never logged
 * @param models   public model names this backend serves under the same name upstream
 * @param aliases  public model name → the name the backend knows it by (e.g.
 *                 {@code gpt-4o-mini: llama3.2:3b}); keys with dots need brackets in YAML
 * @param weight   share of the traffic among deployments of the same priority (1 to 1000)
 * @param priority 0 is tried first; higher numbers only when every lower one is down
 * @param anthropicBeta {@code anthropic-beta} names a client may turn on at this (Anthropic)
 *                 backend; others are not sent, since betas may cost more than the gateway
 *                 meters. Empty: none
 */
public record Backend(String name, @DefaultValue("openai") BackendType type, URI baseUrl, String apiKey,
                      @DefaultValue List<String> models, @DefaultValue Map<String, String> aliases,
                      @DefaultValue("1") int weight, @DefaultValue("0") int priority,
                      @DefaultValue List<String> anthropicBeta) {
    private static final Pattern BETA_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    /** A Gemini model resource name, safe as a path segment. */
    private static final Pattern GEMINI_MODEL = Pattern.compile("((models|tunedModels)/)?[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    private static List<String> upstreamNames(List<String> models, Map<String, String> aliases) {
        var names = new java.util.ArrayList<String>(models);
        names.addAll(aliases.values());
        return names;
    }

    /** Binding uses the canonical constructor; the shorter one below is for code (no betas). */
    @ConstructorBinding
    public Backend {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("gateway.backends[].name is required");
        }
        // Strict URL rules (BaseUrl); configured backends are trusted operator config and are
        // not held to gateway.upstream.allowed-hosts, which binds managed backends only.
        baseUrl = BaseUrl.parse(baseUrl == null ? null : baseUrl.toString(),
                "gateway.backends[" + name + "].base-url");
        if (models.isEmpty() && aliases.isEmpty()) {
            throw new IllegalArgumentException("gateway.backends[" + name
                    + "].models (or aliases) must name at least one model");
        }
        Set<String> seen = new java.util.HashSet<>();
        for (String m : models) {
            if (!seen.add(m)) {
                throw new IllegalArgumentException("gateway.backends[" + name + "]: model '" + m + "' listed twice");
            }
        }
        for (var alias : aliases.entrySet()) {
            if (!seen.add(alias.getKey())) {
                throw new IllegalArgumentException("gateway.backends[" + name + "]: model '" + alias.getKey()
                        + "' is both in models and aliases");
            }
            if (alias.getValue() == null || alias.getValue().isBlank()) {
                throw new IllegalArgumentException("gateway.backends[" + name + "].aliases." + alias.getKey()
                        + " must name the upstream model");
            }
        }
        if (weight < 1 || weight > 1000) {
            throw new IllegalArgumentException("gateway.backends[" + name + "].weight must be between 1 and 1000");
        }
        if (priority < 0) {
            throw new IllegalArgumentException("gateway.backends[" + name + "].priority must be 0 or more");
        }
        anthropicBeta = anthropicBeta == null ? List.of() : List.copyOf(anthropicBeta);
        for (String beta : anthropicBeta) {
            if (beta == null || !BETA_NAME.matcher(beta).matches()) {
                throw new IllegalArgumentException("gateway.backends[" + name + "].anthropic-beta values must be "
                        + "names of letters, digits, '-', '_' and '.' (at most 100)");
            }
        }
        if (!anthropicBeta.isEmpty() && type != BackendType.ANTHROPIC) {
            throw new IllegalArgumentException("gateway.backends[" + name
                    + "].anthropic-beta applies only to type anthropic");
        }
        if (type == BackendType.GEMINI) {
            // the upstream name becomes a URL path segment (models/{m}:generateContent)
            for (String upstream : upstreamNames(models, aliases)) {
                if (!GEMINI_MODEL.matcher(upstream).matches()) {
                    throw new IllegalArgumentException("gateway.backends[" + name + "]: '" + upstream
                            + "' is not a Gemini model name (letters, digits, '-', '_' and '.', optionally "
                            + "after models/ or tunedModels/)");
                }
            }
        }
        models = List.copyOf(models);
        aliases = Map.copyOf(aliases);
        apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
    }

    /** A backend that allows no {@code anthropic-beta}. */
    public Backend(String name, BackendType type, URI baseUrl, String apiKey, List<String> models,
                   Map<String, String> aliases, int weight, int priority) {
        this(name, type, baseUrl, apiKey, models, aliases, weight, priority, List.of());
    }

    /** Every public model this backend serves, with the name to send upstream, in configuration order. */
    public Map<String, String> upstreamModels() {
        var all = new java.util.LinkedHashMap<String, String>();
        models.forEach(m -> all.put(m, m));
        new java.util.TreeMap<>(aliases).forEach(all::put);
        return all;
    }

    @Override
    public String toString() {
        // never print the upstream key
        return "Backend[name=" + name + ", type=" + type + ", baseUrl=" + baseUrl + ", models=" + models
                + ", aliases=" + aliases + ", weight=" + weight + ", priority=" + priority
                + ", anthropicBeta=" + anthropicBeta + "]";
    }
}
