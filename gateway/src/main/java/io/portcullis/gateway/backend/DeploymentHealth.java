package io.portcullis.gateway.backend;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * One resilience4j circuit breaker per deployment, and what they say about each deployment's
 * health, in metrics and for {@code GET /admin/api/backends}; beside it, each deployment's
 * {@link RecentCalls} (calls, failures and latency of the last minutes), for the console.
 *
 * <p>Failures are 5xx answers, connection errors and timeouts. A 429 is neither a success nor a
 * failure (the deployment is alive, only busy); every other answer, 4xx included, is a success:
 * the backend did its job, the request was wrong.
 *
 * <p>Meters (tags {@code backend} and {@code model} come from configuration, so they are bounded):
 * <ul>
 *   <li>{@code portcullis_deployment_circuit_state}: 0 closed, 1 half-open, 2 open (3 disabled or forced);</li>
 *   <li>{@code portcullis_deployment_up}: 1 while the circuit lets calls through, else 0;</li>
 *   <li>{@code portcullis_upstream_attempts_total}: each call to a backend, by {@code result}
 *       ({@link AttemptResult}).</li>
 * </ul>
 */
@Component
public class DeploymentHealth {

    /** {@code portcullis_deployment_circuit_state}. */
    public static final String CIRCUIT_STATE = "portcullis.deployment.circuit.state";
    /** {@code portcullis_deployment_up}. */
    public static final String UP = "portcullis.deployment.up";
    /** {@code portcullis_upstream_attempts_total}. */
    public static final String ATTEMPTS = "portcullis.upstream.attempts";

    /** How one call to a backend went. Tag values are public: never rename one. */
    public enum AttemptResult {
        SUCCESS("success"), SERVER_ERROR("server_error"), RATE_LIMITED("rate_limited"),
        UNREACHABLE("unreachable"), TIMEOUT("timeout"), BROKEN("broken");

        private final String tag;

        AttemptResult(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    private final Map<String, CircuitBreaker> breakers = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, List<io.micrometer.core.instrument.Meter>> gauges =
            new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * {@code portcullis_upstream_attempts_total}'s counters by deployment id (its backend and model
     * tags) and result, so a call increments one rather than building and looking one up (a
     * quarter of a microsecond on every call). Bounded like the breakers: one entry per deployment
     * ever configured, dropped with it (the series itself stays in the registry, as before).
     */
    private final Map<String, Counter[]> attempts = new java.util.concurrent.ConcurrentHashMap<>();
    /** Kept and dropped with the breakers: one per current deployment, so memory is bounded by configuration. */
    private final Map<String, RecentCalls> recent = new java.util.concurrent.ConcurrentHashMap<>();
    private final InstantSource clock;
    private final MeterRegistry registry;
    private final BackendRegistry backends;
    private final CircuitBreakerConfig config;

    public DeploymentHealth(BackendRegistry backends, ResilienceProperties properties, MeterRegistry registry,
                            InstantSource clock) {
        this.registry = registry;
        this.clock = clock;
        this.backends = backends;
        var cb = properties.circuitBreaker();
        this.config = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(cb.slidingWindow())
                .minimumNumberOfCalls(cb.minimumCalls())
                .failureRateThreshold(cb.failureRateThreshold())
                .waitDurationInOpenState(cb.openDuration())
                .permittedNumberOfCallsInHalfOpenState(cb.halfOpenCalls())
                // No timer thread: an open circuit turns half-open when the first request after
                // open-duration asks for it (the gauge shows "open" until then).
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .writableStackTraceEnabled(false)
                .build();
        sync();
        backends.onChange(this::sync);
    }

    /**
     * One breaker and its gauges per current deployment: created for new deployments, removed
     * with deployments that are gone (a managed backend deleted), kept for the others.
     */
    private synchronized void sync() {
        List<Deployment> current = backends.deployments();
        var ids = new java.util.HashSet<String>();
        for (Deployment d : current) {
            ids.add(d.id());
            breakers.computeIfAbsent(d.id(), id -> register(d));
        }
        for (String id : List.copyOf(breakers.keySet())) {
            if (!ids.contains(id)) {
                breakers.remove(id);
                recent.remove(id);
                attempts.remove(id);
                gauges.getOrDefault(id, List.of()).forEach(registry::remove);
                gauges.remove(id);
            }
        }
    }

    private CircuitBreaker register(Deployment d) {
        CircuitBreaker breaker = CircuitBreaker.of(d.id(), config);
        recent.put(d.id(), new RecentCalls(clock));
        var state = Gauge.builder(CIRCUIT_STATE, breaker, b -> stateValue(b.getState()))
                .description("Circuit breaker state per deployment: 0 closed, 1 half-open, 2 open, 3 other")
                .tags("backend", d.backend().name(), "model", d.model())
                .register(registry);
        var up = Gauge.builder(UP, breaker, b -> b.getState() == CircuitBreaker.State.OPEN
                        || b.getState() == CircuitBreaker.State.FORCED_OPEN ? 0 : 1)
                .description("1 while the deployment's circuit lets calls through")
                .tags("backend", d.backend().name(), "model", d.model())
                .register(registry);
        gauges.put(d.id(), List.of(state, up));
        return breaker;
    }

    /**
     * Asks the deployment's circuit for permission to call. With a permit in hand the caller must
     * report exactly once how the call went.
     */
    public java.util.Optional<Permit> tryAcquire(Deployment deployment) {
        // computeIfAbsent: a request may hold a route from a snapshot newer than the last sync
        CircuitBreaker breaker = breakers.computeIfAbsent(deployment.id(), id -> register(deployment));
        if (!breaker.tryAcquirePermission()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Permit(deployment, breaker, System.nanoTime()));
    }

    /** The state of every deployment, in configuration order. */
    public List<Status> statuses() {
        return backends.deployments().stream().filter(d -> breakers.containsKey(d.id())).map(d -> {
            CircuitBreaker breaker = breakers.get(d.id());
            var metrics = breaker.getMetrics();
            var state = breaker.getState();
            return new Status(d, state.name().toLowerCase(java.util.Locale.ROOT),
                    state != CircuitBreaker.State.OPEN && state != CircuitBreaker.State.FORCED_OPEN,
                    metrics.getFailureRate(), metrics.getNumberOfBufferedCalls(), metrics.getNumberOfFailedCalls(),
                    recentOf(d));
        }).toList();
    }

    private RecentCalls.Summary recentOf(Deployment d) {
        RecentCalls calls = recent.get(d.id());
        return calls == null ? RecentCalls.Summary.NONE : calls.summary();
    }

    private static double stateValue(CircuitBreaker.State state) {
        return switch (state) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
            default -> 3;
        };
    }

    /**
     * @param circuit     closed, half_open, open...
     * @param up          whether the circuit lets calls through
     * @param failureRate percentage over the sliding window; -1 until minimum-calls calls were seen
     * @param recent      the calls of the last minutes on this replica, with their latency
     */
    public record Status(Deployment deployment, String circuit, boolean up, float failureRate, int bufferedCalls,
                         int failedCalls, RecentCalls.Summary recent) {
    }

    /** Permission to make one call; report its result once. */
    public final class Permit {
        private final Deployment deployment;
        private final CircuitBreaker breaker;
        private final long startNanos;
        private boolean reported;

        private Permit(Deployment deployment, CircuitBreaker breaker, long startNanos) {
            this.deployment = deployment;
            this.breaker = breaker;
            this.startNanos = startNanos;
        }

        public Deployment deployment() {
            return deployment;
        }

        /** The circuit's state when the call was let through ({@code closed}, {@code half_open}...), for traces. */
        public String circuit() {
            return breaker.getState().name().toLowerCase(java.util.Locale.ROOT);
        }

        /** Gives the permission back without recording anything: the call was never made. */
        public void release() {
            if (!reported) {
                reported = true;
                breaker.releasePermission();
            }
        }

        /** Records how the call went on the circuit and in {@code portcullis_upstream_attempts_total}. */
        public void report(AttemptResult result) {
            if (reported) {
                return;
            }
            reported = true;
            long elapsed = System.nanoTime() - startNanos;
            switch (result) {
                case SUCCESS -> breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
                case RATE_LIMITED -> breaker.releasePermission();
                default -> breaker.onError(elapsed, TimeUnit.NANOSECONDS, new DeploymentFailed(deployment, result));
            }
            // absent only when the deployment was removed while this call was under way
            RecentCalls calls = recent.get(deployment.id());
            if (calls != null) {
                calls.record(result, elapsed);
            }
            attempts(deployment, result).increment();
        }
    }

    private Counter attempts(Deployment deployment, AttemptResult result) {
        Counter[] counters = attempts.computeIfAbsent(deployment.id(), id -> new Counter[AttemptResult.values().length]);
        Counter counter = counters[result.ordinal()];
        if (counter == null) {
            // two first calls racing both register: the registry hands both the same counter
            counter = Counter.builder(ATTEMPTS)
                    .description("Calls to backends, by result; more than requests when retries happen")
                    .tags("backend", deployment.backend().name(), "model", deployment.model(), "result", result.tag())
                    .register(registry);
            counters[result.ordinal()] = counter;
        }
        return counter;
    }

    /** What the circuit breaker records as the cause of a failed call. */
    static final class DeploymentFailed extends RuntimeException {
        DeploymentFailed(Deployment deployment, AttemptResult result) {
            super("deployment " + deployment.id() + " failed: " + result.tag(), null, false, false);
        }
    }
}
