package io.portcullis.helm;

import static io.portcullis.helm.Chart.at;
import static io.portcullis.helm.Chart.list;
import static io.portcullis.helm.Chart.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every opt-in object switched on (values/all-features.yaml). */
class OptionalObjectsTest {

    private final Chart.Rendered chart = Chart.render("all-features.yaml");

    @Test
    void createsEveryOptInObject() {
        assertThat(chart.kinds()).containsExactlyInAnyOrder("ConfigMap", "ConfigMap", "Deployment", "Service",
                "ServiceAccount", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceMonitor",
                "NetworkPolicy", "PrometheusRule");
    }

    @Test
    void selectsPodsWithLabelsThatDoNotChangeAcrossReleases() {
        Object selector = at(chart.deployment(), "spec", "selector", "matchLabels");
        Object defaultSelector = at(Chart.render().deployment(), "spec", "selector", "matchLabels");
        var podLabels = map(at(chart.deployment(), "spec", "template", "metadata", "labels"));

        assertThat(selector).isEqualTo(defaultSelector)
                .isEqualTo(Map.of("app.kubernetes.io/name", "portcullis", "app.kubernetes.io/instance", "gw"));
        assertThat(podLabels).containsAllEntriesOf(map(selector)).containsEntry("app.kubernetes.io/version", "9.9.9");
        assertThat(at(chart.only("Service"), "spec", "selector")).isEqualTo(selector);
        assertThat(at(chart.only("PodDisruptionBudget"), "spec", "selector", "matchLabels")).isEqualTo(selector);
        assertThat(at(chart.only("NetworkPolicy"), "spec", "podSelector", "matchLabels")).isEqualTo(selector);
        assertThat(at(chart.only("ServiceMonitor"), "spec", "selector", "matchLabels")).isEqualTo(selector);
    }

    @Test
    void letsTheAutoscalerOwnTheReplicaCount() {
        assertThat(map(at(chart.deployment(), "spec"))).doesNotContainKey("replicas");
        assertThat(at(chart.only("HorizontalPodAutoscaler"), "spec", "scaleTargetRef", "name")).isEqualTo("gw-portcullis");
        assertThat(at(Chart.render().deployment(), "spec", "replicas")).isEqualTo(2);
    }

    @Test
    void scrapesAndProtectsTheManagementPortNotThePublicOne() {
        var endpoint = map(list(at(chart.only("ServiceMonitor"), "spec", "endpoints")).getFirst());
        var rules = list(at(chart.only("NetworkPolicy"), "spec", "ingress"));

        assertThat(endpoint).containsEntry("port", "management").containsEntry("path", "/actuator/prometheus");
        assertThat(rules).extracting(r -> at(list(map(r).get("ports")).getFirst(), "port"))
                .containsExactly("http", "management");
        assertThat(at(list(at(list(at(chart.only("Ingress"), "spec", "rules")).getFirst(), "http", "paths"))
                .getFirst(), "backend", "service", "port", "name")).isEqualTo("http");
    }

    @Test
    void shipsTheDashboardForTheGrafanaSidecar() throws Exception {
        var dashboard = chart.configMapWith("portcullis.json");

        assertThat(at(dashboard, "metadata", "labels", "grafana_dashboard")).isEqualTo("1");
        assertThat((String) at(dashboard, "data", "portcullis.json"))
                .isEqualTo(Files.readString(Chart.DIRECTORY.resolve("dashboards/portcullis.json")).strip());
    }

    @Test
    void shipsTheAlertsDescribedInTheOperationsGuide() throws Exception {
        var rules = list(at(list(at(chart.only("PrometheusRule"), "spec", "groups")).getFirst(), "rules"));
        String guide = Files.readString(Path.of("..", "docs", "operations.md"));

        assertThat(rules).extracting(r -> map(r).get("alert")).containsExactly("PortcullisHighErrorRate",
                "PortcullisHighLatency", "PortcullisGatewayOverheadHigh", "PortcullisBackendDown",
                "PortcullisUsageQueueBackingUp", "PortcullisUsageRecordsDropped", "PortcullisUsageRecordsPoisoned",
                "PortcullisBudgetNearExhaustion");
        assertThat(rules).allSatisfy(r -> {
            assertThat(at(r, "labels", "severity")).isIn("warning", "critical");
            assertThat((String) at(r, "annotations", "description")).contains("{{");
            assertThat(guide).contains("`" + map(r).get("alert") + "`");
        });
        assertThat(Chart.render(List.of(), Map.of("prometheusRule.enabled", true)).text())
                .doesNotContain("PortcullisBudgetNearExhaustion");
    }

    @Test
    void setsTheRequestBodyBudgetWhenGiven() {
        assertThat(at(chart.gatewayConfig(), "gateway", "request-body", "budget")).isEqualTo("256MB");
        assertThat(at(chart.gatewayConfig(), "gateway", "request-body", "reads-per-key")).isEqualTo(4);
    }

    @Test
    void tagsOnlyTheListedTeamsInMetrics() {
        assertThat(at(chart.gatewayConfig(), "gateway", "metrics", "teams")).isEqualTo(List.of("5b0d7f3e-6a47-4c57-9a2e-0d6f7c1e2a10"));
    }

    @Test
    void limitsWhereManagedBackendsMayPointToTheListedHosts() {
        assertThat(at(chart.gatewayConfig(), "gateway", "upstream", "allowed-hosts"))
                .isEqualTo(List.of("vllm.ai.svc.cluster.local:8000", "*.openai.azure.com", "10.20.0.0/16"));
        assertThat(at(Chart.render().gatewayConfig(), "gateway", "upstream", "allowed-hosts")).isEqualTo(List.of());
    }

    @Test
    void callsTheListedBackendsOverHttp2AndNoneByDefault() {
        assertThat(at(chart.gatewayConfig(), "gateway", "upstream", "http2-hosts"))
                .isEqualTo(List.of("api.openai.com", "vllm.ai.svc.cluster.local:8000"));
        assertThat(at(Chart.render().gatewayConfig(), "gateway", "upstream", "http2-hosts")).isEqualTo(List.of());
    }
}
