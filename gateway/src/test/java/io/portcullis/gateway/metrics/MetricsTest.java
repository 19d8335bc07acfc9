package io.portcullis.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The meters as Prometheus sees them, after real requests through a running gateway. */
class MetricsTest extends GatewayIntegrationTest {

    @Test
    void exportsRequestsByModelBackendAndOutcome() {
        var key = client.createKey();
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-error"));
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("down-model"));

        eventuallyScraped(metrics -> assertThat(metrics)
                .containsPattern("portcullis_requests_total\\{[^}]*backend=\"fake\",endpoint=\"chat\",model=\"fake-chat\",outcome=\"success\"")
                .containsPattern("portcullis_requests_total\\{[^}]*backend=\"fake\"[^}]*model=\"fake-error\",outcome=\"backend_error\"")
                .containsPattern("portcullis_requests_total\\{[^}]*backend=\"down\"[^}]*outcome=\"upstream_unavailable\""));
    }

    @Test
    void exportsOpenTelemetryGenAiDurationsAndTokenUsage() {
        var key = client.createKey();
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        client.post("/v1/chat/completions", key.secret(),
                "{\"model\":\"fake-chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        client.post("/v1/embeddings", key.secret(), "{\"model\":\"fake-embed\",\"input\":\"hello\"}");

        eventuallyScraped(metrics -> assertThat(metrics)
                .containsPattern("gen_ai_server_request_duration_seconds_bucket\\{[^}]*gen_ai_operation_name=\"chat\",gen_ai_request_model=\"fake-chat\"")
                .containsPattern("gen_ai_server_request_duration_seconds_count\\{[^}]*gen_ai_operation_name=\"embeddings\"")
                .containsPattern("gen_ai_server_time_to_first_token_seconds_bucket\\{[^}]*gen_ai_request_model=\"fake-chat\"")
                .containsPattern("gen_ai_server_time_per_output_token_seconds_count\\{[^}]*gen_ai_request_model=\"fake-chat\"")
                .containsPattern("gen_ai_client_token_usage_sum\\{[^}]*gen_ai_request_model=\"fake-chat\",gen_ai_token_type=\"input\"")
                .containsPattern("gen_ai_client_token_usage_sum\\{[^}]*gen_ai_token_type=\"output\"")
                .containsPattern("gen_ai_client_token_usage_bucket\\{[^}]*gen_ai_operation_name=\"embeddings\""));
    }

    @Test
    void exportsGatewayOverheadActiveStreamsAndUsageQueue() {
        var key = client.createKey();
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));

        eventuallyScraped(metrics -> assertThat(metrics)
                .containsPattern("portcullis_gateway_overhead_seconds_bucket\\{[^}]*backend=\"fake\",endpoint=\"chat\"")
                .contains("portcullis_streams_active")
                .contains("portcullis_usage_queue_depth")
                .contains("portcullis_usage_flush_seconds"));
    }

    /** A kept-alive connection to the backend stays open and idle after the answer: the pool ops size. */
    @Test
    void exportsTheUpstreamPoolsOpenAndIdleConnections() {
        var key = client.createKey();
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));

        eventuallyScraped(metrics -> {
            assertThat(gauge(metrics, "open")).isGreaterThanOrEqualTo(1);
            assertThat(gauge(metrics, "idle")).isGreaterThanOrEqualTo(1).isLessThanOrEqualTo(gauge(metrics, "open"));
            // no backend is listed in gateway.upstream.http2-hosts here
            assertThat(metrics).containsPattern("(?m)^portcullis_upstream_http2_connections(\\{[^}]*})? 0\\.0$");
        });
    }

    private static double gauge(String metrics, String state) {
        var m = java.util.regex.Pattern.compile(
                "(?m)^portcullis_upstream_connections\\{[^}]*state=\"" + state + "\"[^}]*} (\\S+)$").matcher(metrics);
        assertThat(m.find()).as("portcullis_upstream_connections{state=" + state + "}").isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void neverTagsWithKeyIdsSecretsOrUnknownModelNames() {
        var key = client.createKey();
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("made-up-model-123"));

        eventuallyScraped(metrics -> assertThat(metrics)
                .doesNotContain(key.id()).doesNotContain(key.secret()).doesNotContain("made-up-model-123")
                .containsPattern("portcullis_requests_total\\{[^}]*model=\"other\"[^}]*outcome=\"model_not_found\"")
                .doesNotContain("team="));
    }

    @Test
    void exposesOnlyHealthAndPrometheusOnActuator() {
        assertThat(client.get("/actuator/health", null).statusCode()).isEqualTo(200);
        assertThat(client.get("/actuator/health/readiness", null).statusCode()).isEqualTo(200);
        assertThat(client.get("/actuator/env", null).statusCode()).isEqualTo(404);
        assertThat(client.get("/actuator/beans", null).statusCode()).isEqualTo(404);
    }

    /** Metering runs just after the answer is written, so the last request may take a moment to show. */
    private void eventuallyScraped(Consumer<String> assertions) {
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertions.accept(client.get("/actuator/prometheus", null).body()));
    }
}
