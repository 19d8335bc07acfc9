package io.portcullis.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import org.junit.jupiter.api.Test;

class MetricsTest extends GatewayIntegrationTest {

    @Test
    void exportsRequestsTokensLatencyStreamsAndQueueDepth() {
        var key = client.createKey();
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        client.post("/v1/chat/completions", key.secret(),
                "{\"model\":\"fake-chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        String metrics = client.get("/actuator/prometheus", null).body();

        assertThat(metrics)
                .containsPattern("portcullis_requests_total\\{[^}]*backend=\"fake\"[^}]*model=\"fake-chat\"[^}]*outcome=\"success\"")
                .contains("portcullis_request_duration_seconds_bucket")
                .contains("portcullis_time_to_first_token_seconds_bucket")
                .containsPattern("portcullis_tokens_total\\{[^}]*direction=\"input\"[^}]*model=\"fake-chat\"")
                .containsPattern("portcullis_tokens_total\\{[^}]*direction=\"output\"")
                .contains("portcullis_streams_active")
                .contains("portcullis_usage_queue_depth");
    }

    @Test
    void neverTagsWithKeyIdsSecretsOrUnknownModelNames() {
        var key = client.createKey();
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("made-up-model-123"));

        String metrics = client.get("/actuator/prometheus", null).body();

        assertThat(metrics).doesNotContain(key.id()).doesNotContain(key.secret()).doesNotContain("made-up-model-123")
                .containsPattern("portcullis_requests_total\\{[^}]*model=\"other\"[^}]*outcome=\"model_not_found\"");
    }

    @Test
    void exposesOnlyHealthAndPrometheusOnActuator() {
        assertThat(client.get("/actuator/health", null).statusCode()).isEqualTo(200);
        assertThat(client.get("/actuator/health/readiness", null).statusCode()).isEqualTo(200);
        assertThat(client.get("/actuator/env", null).statusCode()).isEqualTo(404);
        assertThat(client.get("/actuator/beans", null).statusCode()).isEqualTo(404);
    }
}
