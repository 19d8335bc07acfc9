package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tests run with a 500 ms connect timeout, a 1 s first-byte (response) timeout and a 2 s idle
 * (stream gap) timeout.
 */
class TimeoutsTest extends GatewayIntegrationTest {

    private final ScriptedBackend scripted = TestGateway.backend();

    @AfterEach
    void resetScripts() {
        TestGateway.resetScripts();
    }

    @Test
    void cutsOffAStreamThatStallsLongerThanTheIdleTimeout() throws Exception {
        var key = client.createKey();
        scripted.script("staller", ScriptedBackend.stallAfterFirstEvent(20_000));
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key.secret())
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"stall","stream":true,"messages":[{"role":"user","content":"hi"}]}"""))
                .build();

        long start = System.nanoTime();
        HttpResponse<InputStream> answer = client.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
        String body = new String(answer.body().readAllBytes(), StandardCharsets.UTF_8);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(body).contains("\"first\"").contains("\"code\":\"upstream_timeout\"");
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1900)).isLessThan(Duration.ofSeconds(15));
        awaitUsageRows(key.id(), 1);
        assertThat(jdbc.queryForObject("select outcome from usage_event_named where key_id = ?::uuid", String.class,
                key.id())).isEqualTo("upstream_timeout");
    }

    @Test
    void failsOverWhenConnectingTimesOut() {
        var key = client.createKey();
        long start = System.nanoTime();

        var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("failover-connect"));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(GatewayClient.json(answer).at("/choices/0/message/content").stringValue()).isEqualTo("secondary");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(450));
    }

    @Test
    void answers504WhenTheFirstByteIsLateAndDoesNotRetry() {
        var key = client.createKey();
        scripted.script("sluggish", ScriptedBackend.slow(3000, ScriptedBackend.ok("sluggish")));
        int before = scripted.count("sluggish");

        var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("sluggish"));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(504);
        assertThat(GatewayClient.json(answer).at("/error/code").stringValue()).isEqualTo("upstream_timeout");
        assertThat(scripted.count("sluggish") - before).isEqualTo(1);
    }
}
