package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WeightedRoundRobinTest {

    private static Deployment deployment(String name, int weight) {
        return new Deployment(new Backend(name, BackendType.OPENAI, URI.create("http://127.0.0.1:1/v1"), null,
                List.of("m"), Map.of(), weight, 0), "m", "m");
    }

    @Test
    void givesEachDeploymentExactlyItsWeightInEveryCycle() {
        var a = deployment("a", 5);
        var b = deployment("b", 1);
        var c = deployment("c", 2);
        var rr = new WeightedRoundRobin(List.of(a, b, c));
        Map<Deployment, Integer> seen = new HashMap<>();
        for (int i = 0; i < 8 * 100; i++) {
            seen.merge(rr.next(Set.of()), 1, Integer::sum);
        }
        assertThat(seen).containsEntry(a, 500).containsEntry(b, 100).containsEntry(c, 200);
    }

    @Test
    void spreadsTheHeavierDeploymentRatherThanBurstingIt() {
        var a = deployment("a", 2);
        var b = deployment("b", 1);
        var rr = new WeightedRoundRobin(List.of(a, b));
        assertThat(List.of(rr.next(Set.of()), rr.next(Set.of()), rr.next(Set.of()))).containsExactly(a, b, a);
    }

    @Test
    void skipsExcludedDeploymentsAndReturnsNullWhenAllAre() {
        var a = deployment("a", 1);
        var b = deployment("b", 1);
        var rr = new WeightedRoundRobin(List.of(a, b));
        for (int i = 0; i < 5; i++) {
            assertThat(rr.next(Set.of(a))).isEqualTo(b);
        }
        assertThat(rr.next(Set.of(a, b))).isNull();
    }
}
