package io.portcullis.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlMetricNamesTest {

    @Test
    void findsMetricsButNotFunctionsLabelsOrGroupings() {
        assertThat(PromQlMetricNames.in("histogram_quantile(0.99, sum by (le, model) (rate("
                + "gen_ai_server_request_duration_seconds_bucket{outcome=\"success\", model=~\"$model\"}[$__rate_interval])))"
                + " / on (model) group_left max(up_metric) > 1e3"))
                .containsExactly("gen_ai_server_request_duration_seconds_bucket", "up_metric");
    }

    @Test
    void readsGrafanaLabelValuesAndHelmThresholds() {
        assertThat(PromQlMetricNames.in("label_values(portcullis_requests_total, model)"))
                .containsExactly("portcullis_requests_total");
        assertThat(PromQlMetricNames.in("max by (pod) (portcullis_usage_queue_depth) > {{ $r.threshold | int }}"))
                .containsExactly("portcullis_usage_queue_depth");
    }
}
