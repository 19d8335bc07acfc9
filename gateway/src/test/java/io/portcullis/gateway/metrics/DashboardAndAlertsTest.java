package io.portcullis.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The Grafana dashboard and the alerts shipped in the chart read only metrics this gateway
 * exports: checked against a real scrape after a scripted mix of traffic, so a renamed meter
 * breaks the build rather than an operator's dashboard.
 */
class DashboardAndAlertsTest extends GatewayIntegrationTest {

    /** The chart, from the gateway module's directory (where surefire runs). */
    private static final Path CHART = Path.of("..", "helm", "portcullis");
    /** Metrics the quota feature will export (docs/operations.md); only the opt-in budget alert reads them. */
    private static final String PLANNED_QUOTA_METRICS = "portcullis_quota_";
    private static final Pattern EXPR_LINE = Pattern.compile("^\\s*expr:\\s*(.+)$", Pattern.MULTILINE);

    private Set<String> exported;

    @BeforeEach
    void scrapeAfterTrafficMix() {
        var key = client.createKey();
        String stream = "{\"model\":\"fake-chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        client.post("/v1/completions", key.secret(), "{\"model\":\"fake-chat\",\"prompt\":\"hi\"}");
        client.post("/v1/embeddings", key.secret(), "{\"model\":\"fake-embed\",\"input\":\"hello\"}");
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-error"));
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("down-model"));
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("no-such-model"));
        client.post("/v1/chat/completions", "gw-not-a-key", GatewayClient.chat("fake-chat"));
        client.post("/v1/chat/completions", key.secret(), stream);
        awaitUsageRows(key.id(), 7);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> scrapedNames()
                .contains("gen_ai_server_time_per_output_token_seconds_count"));
        exported = scrapedNames();
    }

    @Test
    void dashboardParsesAndReadsOnlyExportedMetrics() throws IOException {
        JsonNode dashboard = GatewayClient.JSON.readTree(Files.readString(CHART.resolve("dashboards/portcullis.json")));
        var expressions = new ArrayList<String>();
        collectQueries(dashboard, expressions);

        var read = expressions.stream().flatMap(e -> PromQlMetricNames.in(e).stream())
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(dashboard.path("uid").asString()).isNotBlank();
        assertThat(expressions).hasSizeGreaterThan(20);
        assertThat(read).contains("portcullis_requests_total", "gen_ai_server_request_duration_seconds_bucket",
                "gen_ai_server_time_to_first_token_seconds_bucket", "gen_ai_client_token_usage_sum",
                "portcullis_gateway_overhead_seconds_bucket", "portcullis_usage_queue_depth",
                "hikaricp_connections_active", "jvm_memory_used_bytes");
        assertThat(read).allSatisfy(name -> assertThat(exported).as("exported metrics").contains(name));
    }

    @Test
    void alertsReadOnlyExportedMetricsOrTheDocumentedQuotaOnes() throws IOException {
        String rules = Files.readString(CHART.resolve("templates/prometheusrule.yaml"));
        var expressions = EXPR_LINE.matcher(rules).results().map(m -> m.group(1)).toList();

        var read = expressions.stream().flatMap(e -> PromQlMetricNames.in(e).stream())
                .filter(name -> !name.startsWith(PLANNED_QUOTA_METRICS))
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(expressions).hasSize(8);
        assertThat(read).contains("portcullis_requests_total", "gen_ai_server_request_duration_seconds_bucket",
                "portcullis_gateway_overhead_seconds_bucket", "portcullis_usage_queue_depth",
                "portcullis_usage_records_dropped_total", "portcullis_usage_records_poisoned_total");
        assertThat(read).allSatisfy(name -> assertThat(exported).as("exported metrics").contains(name));
    }

    /** Panel targets' {@code expr} and template variables' queries, wherever they sit. */
    private static void collectQueries(JsonNode node, List<String> into) {
        if (node.isObject()) {
            for (var field : node.properties()) {
                if ((field.getKey().equals("expr") || field.getKey().equals("definition")) && field.getValue().isString()) {
                    into.add(field.getValue().asString());
                } else {
                    collectQueries(field.getValue(), into);
                }
            }
        } else if (node.isArray()) {
            node.forEach(child -> collectQueries(child, into));
        }
    }

    private Set<String> scrapedNames() {
        return client.get("/actuator/prometheus", null).body().lines()
                .filter(line -> !line.startsWith("#") && !line.isBlank())
                .map(line -> line.split("[{ ]", 2)[0])
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
