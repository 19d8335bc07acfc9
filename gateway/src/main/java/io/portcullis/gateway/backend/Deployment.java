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

    public String id() {
        return backend.name() + "/" + model;
    }

    public int weight() {
        return backend.weight();
    }

    public int priority() {
        return backend.priority();
    }

    public boolean renamesModel() {
        return !model.equals(upstreamModel);
    }
}
