package io.portcullis.helm;

import static io.portcullis.helm.Chart.at;
import static io.portcullis.helm.Chart.list;
import static io.portcullis.helm.Chart.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What `helm install` with no values creates: only the essentials, locked down. */
class DefaultInstallTest {

    private final Chart.Rendered chart = Chart.render();

    @Test
    void createsOnlyTheEssentialObjects() {
        assertThat(chart.kinds()).containsExactly("ConfigMap", "Deployment", "Service", "ServiceAccount");
    }

    @Test
    void probesTheActuatorHealthGroupsOnTheManagementPort() {
        var container = chart.container();

        assertThat(at(container, "startupProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat(at(container, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat(at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat(at(container, probe, "httpGet", "port")).as(probe).isEqualTo("management");
        }
        assertThat(list(container.get("ports"))).extracting(p -> map(p).get("name"), p -> map(p).get("containerPort"))
                .containsExactly(tuple("http", 8080),
                        tuple("management", 8081));
        assertThat(at(gatewayConfig(), "management", "server", "port")).isEqualTo(8081);
    }

    @Test
    void runsAsNonRootWithAReadOnlyRootFilesystemAndNoCapabilities() {
        var pod = chart.podSpec();
        var container = chart.container();

        assertThat(at(pod, "securityContext", "runAsNonRoot")).isEqualTo(true);
        assertThat(at(pod, "securityContext", "runAsUser")).isEqualTo(10001);
        assertThat(at(pod, "securityContext", "seccompProfile", "type")).isEqualTo("RuntimeDefault");
        assertThat(at(container, "securityContext", "readOnlyRootFilesystem")).isEqualTo(true);
        assertThat(at(container, "securityContext", "allowPrivilegeEscalation")).isEqualTo(false);
        assertThat(at(container, "securityContext", "capabilities", "drop")).isEqualTo(List.of("ALL"));
        assertThat(pod.get("automountServiceAccountToken")).isEqualTo(false);
        assertThat(list(container.get("volumeMounts"))).extracting(m -> map(m).get("mountPath"))
                .contains("/tmp");
        assertThat(list(pod.get("volumes"))).anySatisfy(v -> assertThat(map(v)).containsKey("emptyDir")
                .containsEntry("name", "tmp"));
    }

    @Test
    void leavesResourcesToTheUser() {
        assertThat(chart.container()).doesNotContainKey("resources");
    }

    @Test
    void givesShutdownTimeToDrainStreamsAndFlushTheUsageLedger() {
        var container = chart.container();
        var config = gatewayConfig();

        assertThat(at(container, "lifecycle", "preStop", "exec", "command")).isEqualTo(List.of("sleep", "10"));
        assertThat(at(config, "server", "shutdown")).isEqualTo("graceful");
        assertThat(at(config, "spring", "lifecycle", "timeout-per-shutdown-phase")).isEqualTo("30s");
        assertThat(at(config, "gateway", "usage", "shutdown-timeout")).isEqualTo("30s");
        assertThat((Integer) chart.podSpec().get("terminationGracePeriodSeconds")).isGreaterThan(10 + 30 + 30);
    }

    @Test
    void passesTheConfigMapAsAnAdditionalConfigLocationAndRestartsPodsWhenItChanges() {
        var args = list(chart.container().get("args"));
        String checksum = (String) at(chart.deployment(), "spec", "template", "metadata", "annotations",
                "checksum/config");
        String changed = (String) at(Chart.render(List.of(), Map.of("gateway.upstream.responseTimeout", "600s"))
                .deployment(), "spec", "template", "metadata", "annotations", "checksum/config");
        String same = (String) at(Chart.render().deployment(), "spec", "template", "metadata", "annotations",
                "checksum/config");

        assertThat(args).containsExactly("--spring.config.additional-location=file:/etc/portcullis/portcullis.yaml");
        assertThat(list(chart.container().get("volumeMounts"))).anySatisfy(m -> assertThat(map(m))
                .containsEntry("name", "config").containsEntry("mountPath", "/etc/portcullis"));
        assertThat(checksum).matches("[0-9a-f]{64}").isEqualTo(same).isNotEqualTo(changed);
    }

    @Test
    void pointsAtAnExternalPostgreSqlAndNoEmbeddedOne() {
        var config = gatewayConfig();

        assertThat(at(config, "spring", "datasource", "url")).isEqualTo("jdbc:postgresql://postgresql:5432/portcullis");
        assertThat(at(config, "gateway", "backends")).isEqualTo(List.of());
        assertThat(chart.objects()).noneMatch(o -> "StatefulSet".equals(o.get("kind")));
    }

    @Test
    void leavesTheRequestBodyBudgetToTheHeapAndSetsItsDeadlineAndSlots() {
        var body = map(at(gatewayConfig(), "gateway", "request-body"));

        assertThat(body).doesNotContainKey("budget").containsEntry("deadline", "30s").containsEntry("reads-per-key", 16);
    }

    @Test
    void usesTheImageBuiltFromTheDockerfileAtTheChartsAppVersion() {
        assertThat(chart.container().get("image")).isEqualTo("ghcr.io/portcullis/portcullis:0.1.0");
    }

    private Map<String, Object> gatewayConfig() {
        return chart.gatewayConfig();
    }
}
