package io.portcullis.gateway.backend;

import io.portcullis.gateway.GatewayProperties;
import io.portcullis.gateway.GatewayProperties.Backend;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.stereotype.Component;

/**
 * Which deployments serve which public model name, from {@code gateway.backends}. The set of
 * model names is closed by configuration, which is also what keeps the {@code model} metric tag
 * bounded: anything else is reported as {@value #OTHER_MODEL}.
 */
@Component
public class BackendRegistry {

    /** Metric tag value for model names no backend serves. */
    public static final String OTHER_MODEL = "other";

    private final Map<String, Route> routes = new LinkedHashMap<>();

    public BackendRegistry(GatewayProperties properties) {
        Map<String, List<Deployment>> byModel = new LinkedHashMap<>();
        for (Backend backend : properties.backends()) {
            backend.upstreamModels().forEach((model, upstream) ->
                    byModel.computeIfAbsent(model, m -> new ArrayList<>()).add(new Deployment(backend, model, upstream)));
        }
        byModel.forEach((model, deployments) -> routes.put(model, new Route(model, deployments)));
    }

    /** Where a public model name goes, if anywhere. */
    public Optional<Route> route(String model) {
        return Optional.ofNullable(routes.get(model));
    }

    /** Every route, in configuration order. */
    public Collection<Route> routes() {
        return routes.values();
    }

    /** Every deployment, route by route. */
    public List<Deployment> deployments() {
        return routes.values().stream().flatMap(r -> r.deployments().stream()).toList();
    }

    /** The model name as a metric tag: a configured name, or {@value #OTHER_MODEL}. */
    public String modelTag(String model) {
        return model != null && routes.containsKey(model) ? model : OTHER_MODEL;
    }

    /**
     * A public model name and the deployments that serve it, grouped by priority (best first),
     * each group balanced by {@link WeightedRoundRobin}.
     */
    public static final class Route {
        private final String model;
        private final List<Deployment> deployments;
        private final List<WeightedRoundRobin> levels;

        Route(String model, List<Deployment> deployments) {
            this.model = model;
            this.deployments = List.copyOf(deployments);
            var byPriority = new TreeMap<Integer, List<Deployment>>();
            for (Deployment d : deployments) {
                byPriority.computeIfAbsent(d.priority(), p -> new ArrayList<>()).add(d);
            }
            this.levels = byPriority.values().stream().map(WeightedRoundRobin::new).toList();
        }

        public String model() {
            return model;
        }

        /** In configuration order. */
        public List<Deployment> deployments() {
            return deployments;
        }

        /** Priority groups, best (lowest number) first. */
        List<WeightedRoundRobin> levels() {
            return levels;
        }

        /** The backend that names the model in {@code /v1/models}: the first of the best priority. */
        public Deployment primary() {
            return deployments.stream().min(Comparator.comparingInt(Deployment::priority)).orElseThrow();
        }
    }
}
