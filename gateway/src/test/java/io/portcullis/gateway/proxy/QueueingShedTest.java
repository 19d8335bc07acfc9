package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.support.TestGateway;
import io.portcullis.gateway.web.QueueingDelay;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * gateway.shedding: a replica whose requests queue for a thread behind a standing queue refuses
 * new client-API requests at once, in the contract's shape, while its control plane stays served.
 * The queue is forced without load: a target of one nanosecond makes every real dispatch "late",
 * so after the first interval the replica is overloaded by the limiter's own measure.
 */
class QueueingShedTest {

    private static final Map<String, String> EVERY_WAIT_TOO_LONG = Map.of(
            "gateway.shedding.enabled", "true", "gateway.shedding.target", "1ns", "gateway.shedding.interval", "1ms");

    @Test
    void shedsClientRequestsThatQueuedWith503OverloadedWhileHealthAndAdminAreServed() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), EVERY_WAIT_TOO_LONG)) {
            GatewayClient client = gateway.client();
            var key = client.createKey();
            var limiter = gateway.context().getBean(QueueingDelay.class);

            HttpResponse<String> shed = null;
            for (int i = 0; i < 200 && (shed == null || shed.statusCode() != 503); i++) {
                Thread.sleep(2); // let an interval close; the verdict is the limiter's, not the sleep's
                shed = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
            }

            assertThat(limiter.overloaded()).isTrue();
            assertThat(shed.statusCode()).as(shed.body()).isEqualTo(503);
            assertThat(GatewayClient.json(shed).at("/error/code").stringValue()).isEqualTo("overloaded");
            assertThat(GatewayClient.json(shed).at("/error/type").stringValue()).isEqualTo("server_error");
            assertThat(shed.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(shed.headers().firstValue("x-request-id")).isPresent();

            // refused before anything is read: not even the key is looked at
            var bogusKey = client.post("/v1/chat/completions", "pk-not-a-key", GatewayClient.chat("fake-chat"));
            assertThat(bogusKey.statusCode()).isEqualTo(503);

            var messages = client.post("/v1/messages", key.secret(),
                    "{\"model\":\"fake-chat\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(messages.statusCode()).isEqualTo(503);
            assertThat(GatewayClient.json(messages).at("/type").stringValue()).isEqualTo("error");
            assertThat(GatewayClient.json(messages).at("/error/type").stringValue()).isEqualTo("overloaded_error");
            assertThat(GatewayClient.json(messages).at("/error/code").stringValue()).isEqualTo("overloaded");
            assertThat(messages.headers().firstValue("Retry-After")).hasValue("1");

            // the control plane is never shed, however late its requests
            assertThat(client.get("/actuator/health", null).statusCode()).isEqualTo(200);
            assertThat(client.admin("GET", "/admin/api/keys", null).statusCode()).isEqualTo(200);
            // the console's page (a sign-in redirect without a session), not a 503
            assertThat(client.get("/admin/", null).statusCode()).isIn(200, 302);
            assertThat(client.createKey().secret()).isNotBlank();
            assertThat(limiter.overloaded()).as("still overloaded while those were served").isTrue();

            String metrics = client.get("/actuator/prometheus", null).body();
            assertThat(metrics).containsPattern("portcullis_shed_requests_total\\{[^}]*reason=\"queueing\"[^}]*} [1-9]");
            assertThat(metrics).contains("portcullis_queueing_delay_seconds");
        }
    }

    @Test
    void byDefaultOnlyTheCountLimitSheds() throws Exception {
        var properties = new java.util.HashMap<>(EVERY_WAIT_TOO_LONG);
        properties.remove("gateway.shedding.enabled"); // off unless asked for
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), properties)) {
            GatewayClient client = gateway.client();
            var key = client.createKey();

            for (int i = 0; i < 20; i++) {
                Thread.sleep(2);
                var served = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
                assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
            }
            assertThat(gateway.context().getBean(QueueingDelay.class).overloaded()).isFalse();
        }
    }

    /**
     * The stream waits on its backend for far longer than the target, interval after interval;
     * were that wait counted, the replica would shed. (The target is generous so a loaded test
     * machine's own scheduling delays cannot trip it.)
     */
    @Test
    void aBackendThatHoldsAStreamNeverMakesTheReplicaShed() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of(
                     "gateway.shedding.enabled", "true", "gateway.shedding.target", "100ms",
                     "gateway.shedding.interval", "10ms"))) {
            GatewayClient client = gateway.client();
            var key = client.createKey();
            HttpResponse<InputStream> stream = client.http().send(HttpRequest.newBuilder(
                            URI.create(client.base() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key.secret())
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            {"model":"fake-paused","stream":true,"messages":[{"role":"user","content":"hi"}]}"""))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            try (var reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                assertThat(reader.readLine()).contains("\"first\""); // held by the backend from here
                Thread.sleep(300); // several intervals in which the only request waits on its backend

                for (int i = 0; i < 5; i++) {
                    var served = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
                    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
                }
                assertThat(gateway.context().getBean(QueueingDelay.class).overloaded()).isFalse();
            } finally {
                TestGateway.backend().models().releasePaused();
            }
        }
    }
}
