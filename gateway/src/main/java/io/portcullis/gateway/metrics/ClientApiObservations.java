package io.portcullis.gateway.metrics;

import io.micrometer.observation.ObservationPredicate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.observation.ServerRequestObservationContext;

/**
 * The client API is measured by the gateway's own meters ({@link GatewayMetrics}: requests,
 * durations, tokens and overhead by model, status and outcome), so Spring's generic
 * {@code http.server.requests} observation is skipped for {@code /v1/*}: on a proxy doing
 * thousands of calls a second it was a second timer, a long-task timer and a dozen tag lookups per
 * call measuring the same thing (docs/performance.md). The console, admin API and actuator keep it.
 */
@Configuration(proxyBeanMethods = false)
class ClientApiObservations {

    @Bean
    ObservationPredicate skipClientApiServerObservations() {
        return (name, context) -> !(context instanceof ServerRequestObservationContext server
                && server.getCarrier() != null && server.getCarrier().getRequestURI().startsWith("/v1/"));
    }
}
