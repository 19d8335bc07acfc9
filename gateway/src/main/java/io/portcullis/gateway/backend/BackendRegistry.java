package io.portcullis.gateway.backend;

import io.portcullis.gateway.GatewayProperties;
import io.portcullis.gateway.GatewayProperties.Backend;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Which backend serves which public model name, from {@code gateway.backends}. The set of
 * model names is closed by configuration, which is also what keeps the {@code model} metric tag
 * bounded: anything else is reported as {@value #OTHER_MODEL}.
 */
@Component
public class BackendRegistry {

    /** Metric tag value for model names no backend serves. */
    public static final String OTHER_MODEL = "other";

    private final Map<String, Route> routes = new LinkedHashMap<>();

    public BackendRegistry(GatewayProperties properties) {
        for (Backend backend : properties.backends()) {
            for (String model : backend.models()) {
                routes.put(model, new Route(model, backend, model));
            }
        }
    }

    /** Where a public model name goes, if anywhere. */
    public Optional<Route> route(String model) {
        return Optional.ofNullable(routes.get(model));
    }

    /** Every route, in configuration order. */
    public Collection<Route> routes() {
        return routes.values();
    }

    /** The model name as a metric tag: a configured name, or {@value #OTHER_MODEL}. */
    public String modelTag(String model) {
        return model != null && routes.containsKey(model) ? model : OTHER_MODEL;
    }

    /**
     * A public model name resolved to a backend.
     *
     * @param model         the name clients use
     * @param backend       the backend that serves it
     * @param upstreamModel the name sent to the backend
     */
    public record Route(String model, Backend backend, String upstreamModel) {
        public boolean renamesModel() {
            return !model.equals(upstreamModel);
        }
    }
}
