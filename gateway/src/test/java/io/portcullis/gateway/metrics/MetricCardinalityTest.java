package io.portcullis.gateway.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Clients choose model names; they must not be able to choose how many series Prometheus holds. */
class MetricCardinalityTest extends GatewayIntegrationTest {

    private static final int BOGUS_MODELS = 10_000;

    @Autowired
    MeterRegistry registry;

    @Test
    void tenThousandBogusModelNamesDoNotCreateTenThousandSeries() throws Exception {
        var key = client.createKey();
        client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("warm-up-bogus-model"));
        // Metering runs just after the answer is written: wait until the warm-up is fully metered.
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> requestsWithUnknownModel() >= 1
                && registry.find(GatewayMetrics.OVERHEAD).tag("backend", GatewayMetrics.NONE).timer() != null);
        var metersBefore = gatewayMeters();

        var notFound = new AtomicInteger();
        try (var pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < BOGUS_MODELS; i++) {
                String model = "bogus-model-" + i;
                pool.execute(() -> {
                    if (client.post("/v1/chat/completions", key.secret(), GatewayClient.chat(model)).statusCode() == 404) {
                        notFound.incrementAndGet();
                    }
                });
            }
        }
        assertThat(notFound).hasValue(BOGUS_MODELS);

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> requestsWithUnknownModel() >= BOGUS_MODELS + 1);
        assertThat(gatewayMeters()).containsExactlyElementsOf(metersBefore);
        assertThat(client.get("/actuator/prometheus", null).body()).doesNotContain("bogus-model-");
    }

    private double requestsWithUnknownModel() {
        var counter = registry.find(GatewayMetrics.REQUESTS).tag("model", GatewayMetrics.OTHER)
                .tag("outcome", "model_not_found").counter();
        return counter == null ? 0 : counter.count();
    }

    /** The gateway's own meters; JVM meters may come and go for their own reasons (new GC causes). */
    private List<String> gatewayMeters() {
        return registry.getMeters().stream().map(meter -> meter.getId().toString())
                .filter(id -> id.contains("portcullis.") || id.contains("gen_ai.")).sorted().toList();
    }
}
