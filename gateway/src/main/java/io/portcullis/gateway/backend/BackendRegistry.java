package io.portcullis.gateway.backend;

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
 * Which deployments serve which public model name: the backends of {@code gateway.backends},
 * then those managed through the admin API ({@link ManagedBackends}). The set of model names is
 * closed by configuration (an operator's, in either place), which is also what keeps the
 * {@code model} metric tag bounded: anything else is reported as {@value #OTHER_MODEL}.
 *
 * <p>The routes are an immutable snapshot swapped whole when managed backends change; a request
 * keeps the route it started with.
 *
 * <p>While no backend is configured or managed, the routes are the demo model's
 * ({@link #serveDemo}, {@link io.portcullis.gateway.backend.demo.DemoModel}): one deployment
 * answered in process. The first backend, from either place, replaces it; removing the last
 * managed backend of a gateway with none configured brings it back.
 */
@Component
public class BackendRegistry {

    /** Metric tag value for model names no backend serves. */
    public static final String OTHER_MODEL = "other";

    private final List<Backend> configured;
    private volatile List<Backend> managed = List.of();
    private volatile Map<String, Route> routes;
    /** The demo model's backend and what answers it, or null when there is none. */
    private volatile Demo demo;
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public BackendRegistry(BackendsProperties properties) {
        this.configured = List.copyOf(properties.backends());
        this.routes = build(configured);
    }

    /** The demo backend and its in-process answers. */
    private record Demo(Backend backend, InProcessBackend answers) {
    }

    private static Map<String, Route> build(List<Backend> backends) {
        Map<String, List<Deployment>> byModel = new LinkedHashMap<>();
        for (Backend backend : backends) {
            backend.upstreamModels().forEach((model, upstream) ->
                    byModel.computeIfAbsent(model, m -> new ArrayList<>()).add(new Deployment(backend, model, upstream)));
        }
        Map<String, Route> routes = new LinkedHashMap<>();
        byModel.forEach((model, deployments) -> routes.put(model, new Route(model, deployments)));
        return java.util.Collections.unmodifiableMap(routes);
    }

    /**
     * Replaces the managed backends (those of the admin API). A managed backend named like a
     * configured one is ignored: configuration wins.
     */
    public synchronized void replaceManaged(List<Backend> backends) {
        var names = configured.stream().map(Backend::name).collect(java.util.stream.Collectors.toSet());
        List<Backend> kept = backends.stream().filter(b -> !names.contains(b.name())).toList();
        List<Backend> all = new ArrayList<>(configured);
        all.addAll(kept);
        this.managed = kept;
        this.routes = build(all.isEmpty() && demo != null ? List.of(demo.backend()) : all);
        listeners.forEach(Runnable::run);
    }

    /**
     * Serves a backend answered in process whenever no backend is configured or managed: the
     * demo model. Its routes replace the empty ones at once when there are no backends.
     */
    public synchronized void serveDemo(Backend backend, InProcessBackend answers) {
        this.demo = new Demo(backend, answers);
        replaceManaged(managed);
    }

    /** Whether the demo model is what the routes serve now (no backend configured or managed). */
    public boolean servesDemo() {
        Demo current = demo;
        return current != null && configured.isEmpty() && managed.isEmpty();
    }

    /** Whether a backend of this name is the demo model's (and so neither configured nor managed). */
    public boolean isDemo(String name) {
        Demo current = demo;
        return current != null && current.backend().name().equals(name) && !isConfigured(name) && !isManaged(name);
    }

    /**
     * What answers this deployment in process, if it is the demo's; every other deployment is
     * called over HTTP. By identity, not equality: a managed backend holding the same values is
     * still a backend over HTTP. A request routed to the demo before a backend was added keeps
     * its answers, as every request keeps the route it started with.
     */
    public Optional<InProcessBackend> inProcess(Deployment deployment) {
        Demo current = demo;
        return current != null && deployment.backend() == current.backend()
                ? Optional.of(current.answers()) : Optional.empty();
    }

    /** Runs after every change of the routes (e.g. to keep one circuit breaker per deployment). */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Whether a backend of this name comes from configuration (and so cannot be changed at run time). */
    public boolean isConfigured(String name) {
        return configured.stream().anyMatch(b -> b.name().equals(name));
    }

    /** Whether a backend of this name was added through the admin API. */
    public boolean isManaged(String name) {
        return managed.stream().anyMatch(b -> b.name().equals(name));
    }

    /** Where a public model name goes, if anywhere. */
    public Optional<Route> route(String model) {
        return Optional.ofNullable(routes.get(model));
    }

    /** The backend of this name, configured or managed. */
    public Optional<Backend> backend(String name) {
        return java.util.stream.Stream.concat(configured.stream(), managed.stream())
                .filter(b -> b.name().equals(name)).findFirst();
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

        /**
         * The same model served only by one backend's deployments (a stored response lives on the
         * backend that created it), or empty when that backend does not serve the model.
         */
        public Optional<Route> on(String backend) {
            List<Deployment> kept = deployments.stream().filter(d -> d.backend().name().equals(backend)).toList();
            return kept.isEmpty() ? Optional.empty() : Optional.of(new Route(model, kept));
        }

        /** The backend that names the model in {@code /v1/models}: the first of the best priority. */
        public Deployment primary() {
            return deployments.stream().min(Comparator.comparingInt(Deployment::priority)).orElseThrow();
        }
    }
}
