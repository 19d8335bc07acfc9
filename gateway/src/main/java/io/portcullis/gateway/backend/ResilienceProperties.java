package io.portcullis.gateway.backend;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.resilience.*}: retries ({@link DeploymentRouter}) and circuit breakers
 * ({@link DeploymentHealth}) in front of the backends, one resilience4j configuration each.
 *
 * @param retry          retries of one client request, before anything has been sent to the client
 * @param circuitBreaker one circuit breaker per deployment (backend + model)
 */
@ConfigurationProperties(ResilienceProperties.PREFIX)
public record ResilienceProperties(@DefaultValue Retry retry, @DefaultValue CircuitBreaker circuitBreaker) {

    public static final String PREFIX = "gateway.resilience";

    /**
     * Retries on connection errors, 429 and 5xx, with exponential backoff and jitter. Each retry
     * prefers a deployment not tried yet. The client request is reserved and billed once whatever
     * the number of attempts.
     *
     * @param maxAttempts    attempts per client request, the first included (1 = no retry)
     * @param initialBackoff wait before the first retry
     * @param multiplier     growth of the wait between retries
     * @param jitter         randomization factor of each wait (0 to 1): 0.5 means ±50 %
     * @param maxBackoff     longest wait between two attempts
     */
    public record Retry(@DefaultValue("3") int maxAttempts, @DefaultValue("200ms") Duration initialBackoff,
                        @DefaultValue("2.0") double multiplier, @DefaultValue("0.5") double jitter,
                        @DefaultValue("5s") Duration maxBackoff) {
        public Retry {
            if (maxAttempts < 1 || maxAttempts > 10) {
                throw new IllegalArgumentException("gateway.resilience.retry.max-attempts must be between 1 and 10");
            }
            if (initialBackoff.isNegative() || initialBackoff.isZero() || multiplier < 1 || jitter < 0 || jitter >= 1
                    || maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("gateway.resilience.retry: backoff must be positive, multiplier >= 1, "
                        + "0 <= jitter < 1 and max-backoff >= initial-backoff");
            }
        }
    }

    /**
     * @param failureRateThreshold percentage of failed calls (5xx, connection errors, timeouts) that opens the circuit
     * @param slidingWindow        calls remembered per deployment
     * @param minimumCalls         calls needed before the failure rate counts
     * @param openDuration         how long an open circuit refuses calls before letting probes through (half-open)
     * @param halfOpenCalls        probe calls allowed while half-open
     */
    public record CircuitBreaker(@DefaultValue("50") int failureRateThreshold, @DefaultValue("20") int slidingWindow,
                                 @DefaultValue("10") int minimumCalls, @DefaultValue("30s") Duration openDuration,
                                 @DefaultValue("2") int halfOpenCalls) {
        public CircuitBreaker {
            if (failureRateThreshold < 1 || failureRateThreshold > 100 || slidingWindow < 1 || minimumCalls < 1
                    || halfOpenCalls < 1 || openDuration.isNegative() || openDuration.isZero()) {
                throw new IllegalArgumentException("gateway.resilience.circuit-breaker: threshold 1-100, positive sizes "
                        + "and open-duration");
            }
        }
    }
}
