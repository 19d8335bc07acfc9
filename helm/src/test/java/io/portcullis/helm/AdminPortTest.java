package io.portcullis.helm;

import static io.portcullis.helm.Chart.at;
import static io.portcullis.helm.Chart.list;
import static io.portcullis.helm.Chart.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code ports.admin}: the admin API and console on a port and Service of their own (Kong's admin port). */
class AdminPortTest {

    private final Chart.Rendered separate = Chart.render(List.of(), Map.of("ports.admin", 9090,
            "networkPolicy.enabled", true, "networkPolicy.adminFrom[0].podSelector.matchLabels.role", "ops"));

    @Test
    void byDefaultOnePortServesEverythingAndThereIsNoAdminService() {
        var chart = Chart.render();

        assertThat(chart.all("Service")).hasSize(1);
        assertThat(map(chart.gatewayConfig().get("gateway"))).doesNotContainKey("data-plane");
        assertThat(list(chart.container().get("ports"))).extracting(p -> map(p).get("name"))
                .containsExactly("http", "management");
    }

    @Test
    void givesTheControlPlaneItsPortAndAClusterOnlyServiceInFrontOfIt() {
        var admin = separate.all("Service").stream()
                .filter(s -> "gw-portcullis-admin".equals(at(s, "metadata", "name"))).findFirst().orElseThrow();

        assertThat(at(separate.gatewayConfig(), "gateway", "data-plane", "control-plane-port")).isEqualTo(9090);
        assertThat(list(separate.container().get("ports"))).extracting(p -> map(p).get("name"), p -> map(p).get("containerPort"))
                .contains(org.assertj.core.groups.Tuple.tuple("admin", 9090));
        assertThat(at(admin, "spec", "type")).isEqualTo("ClusterIP");
        assertThat(map(list(at(admin, "spec", "ports")).getFirst())).containsEntry("targetPort", "admin");
        assertThat(at(admin, "spec", "selector")).isEqualTo(at(separate.deployment(), "spec", "selector", "matchLabels"));
    }

    @Test
    void theNetworkPolicyAdmitsOnlyTheNamedPeersToTheAdminPort() {
        var rules = list(at(separate.only("NetworkPolicy"), "spec", "ingress"));
        var adminRule = rules.stream().filter(r -> "admin".equals(at(list(map(r).get("ports")).getFirst(), "port")))
                .findFirst().orElseThrow();

        assertThat(at(list(map(adminRule).get("from")).getFirst(), "podSelector", "matchLabels", "role")).isEqualTo("ops");
    }

    @Test
    void refusesAnAdminPortThatCollidesWithAnotherPort() {
        assertThatThrownBy(() -> Chart.render(List.of(), Map.of("ports.admin", 8080))).hasMessageContaining("ports.admin");
        assertThatThrownBy(() -> Chart.render(List.of(), Map.of("ports.admin", 8081))).hasMessageContaining("ports.admin");
        assertThatThrownBy(() -> Chart.render(List.of(), Map.of("ports.admin", 70000))).isNotNull();
    }
}
