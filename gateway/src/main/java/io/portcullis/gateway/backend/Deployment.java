package io.portcullis.gateway.backend;

import io.portcullis.gateway.GatewayProperties.Backend;

/**
 * One backend serving one public model: the unit that is balanced, retried, and guarded by a
 * circuit breaker. Its {@link #id()} ({@code backend/model}) is built from configuration only, so
 * it is safe as a metric tag.
 *
 * @param backend       the backend, with its protocol, address, key, weight and priority
 * @param model         the public model name clients use
 * @param upstreamModel the name sent to the backend
 */
public record Deployment(Backend backend, String model, String upstreamModel) {

    /**
     * Equal deployments have equal names and models, so hashing those two is enough, and far
     * cheaper than the default over the whole backend (its model lists and aliases): deployments
     * are hashed several times per request while routing.
     */
    @Override
    public int hashCode() {
        return 31 * backend.name().hashCode() + model.hashCode();
    }

    public String id() {
        return backend.name() + "/" + model;
    }

    public int weight() {
        return backend.weight();
    }

    public int priority() {
        return backend.priority();
    }

    /**
     * The backend's URL for a path below its API root. Ollama is often configured by its bare
     * address ({@code http://host:11434}); its OpenAI-compatible API lives under {@code /v1}.
     */
    public java.net.URI url(String path) {
        String base = backend.baseUrl().toString();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        if (backend.type() == io.portcullis.gateway.GatewayProperties.BackendType.OLLAMA
                && backend.baseUrl().getPath().length() <= 1) {
            base = base + "/v1";
        }
        return java.net.URI.create(base + path);
    }

    public boolean renamesModel() {
        return !model.equals(upstreamModel);
    }
}
