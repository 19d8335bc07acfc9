package io.portcullis.gateway.admin;

import io.portcullis.gateway.backend.DeploymentHealth;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /admin/api/backends}: every deployment (backend + model) with its routing weight and
 * priority and its circuit breaker's view of its health. Upstream API keys are never shown.
 */
@RestController
@RequestMapping("/admin/api/backends")
class AdminBackendsController {

    private final DeploymentHealth health;

    AdminBackendsController(DeploymentHealth health) {
        this.health = health;
    }

    /**
     * @param circuit     closed, half_open or open
     * @param up          whether the circuit lets calls through
     * @param failureRate percentage of failed calls in the sliding window; -1 until enough calls were seen
     */
    record DeploymentView(String backend, String type, String baseUrl, String model, String upstreamModel, int weight,
                          int priority, String circuit, boolean up, float failureRate, int bufferedCalls,
                          int failedCalls) {
    }

    record DeploymentList(List<DeploymentView> data) {
    }

    @GetMapping
    DeploymentList list() {
        return new DeploymentList(health.statuses().stream().map(s -> {
            var d = s.deployment();
            return new DeploymentView(d.backend().name(), d.backend().type().tag(), d.backend().baseUrl().toString(),
                    d.model(), d.upstreamModel(), d.weight(), d.priority(), s.circuit(), s.up(), s.failureRate(),
                    s.bufferedCalls(), s.failedCalls());
        }).toList());
    }
}
