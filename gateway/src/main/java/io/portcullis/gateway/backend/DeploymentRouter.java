package io.portcullis.gateway.backend;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.RetryConfig;
import io.portcullis.gateway.backend.BackendRegistry.Route;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.springframework.stereotype.Component;

/**
 * Chooses the deployment for each attempt of a request: weighted round robin within the best
 * priority that has a deployment whose circuit lets it through, preferring deployments this
 * request has not tried yet; the next priority only when the better ones are all open or tried.
 */
@Component
public class DeploymentRouter {

    private final DeploymentHealth health;
    private final ResilienceProperties.Retry retry;

    public DeploymentRouter(DeploymentHealth health, ResilienceProperties properties) {
        this.health = health;
        this.retry = properties.retry();
    }

    /**
     * The next deployment to call, with its circuit's permission, or empty when every deployment's
     * circuit is open.
     *
     * @param tried deployments this request already called; used again only when nothing else is left
     */
    public Optional<DeploymentHealth.Permit> pick(Route route, Set<Deployment> tried) {
        Set<Deployment> refused = new HashSet<>();
        for (boolean allowRepeat : new boolean[] {false, true}) {
            for (WeightedRoundRobin level : route.levels()) {
                Set<Deployment> excluded = new HashSet<>(refused);
                if (!allowRepeat) {
                    excluded.addAll(tried);
                }
                Deployment next;
                while ((next = level.next(excluded)) != null) {
                    var permit = health.tryAcquire(next);
                    if (permit.isPresent()) {
                        return permit;
                    }
                    refused.add(next);
                    excluded.add(next);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The retry policy of {@code gateway.resilience.retry}: exponential backoff with jitter,
     * retrying results that {@code retryable} accepts.
     */
    public <T> RetryConfig retryConfig(Predicate<T> retryable) {
        return RetryConfig.<T>custom()
                .maxAttempts(retry.maxAttempts())
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(retry.initialBackoff(),
                        retry.multiplier(), retry.jitter(), retry.maxBackoff()))
                .retryOnResult(retryable)
                .failAfterMaxAttempts(false)
                .build();
    }
}
