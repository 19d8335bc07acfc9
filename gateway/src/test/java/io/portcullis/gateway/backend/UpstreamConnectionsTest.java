package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Backend calls go over pooled keep-alive connections, and an abandoned answer never poisons the pool. */
class UpstreamConnectionsTest extends GatewayIntegrationTest {

    @Test
    void callsOneAfterAnotherReuseOneKeptAliveConnection() {
        var key = client.createKey();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = "reuse-" + System.nanoTime() + "-" + i;
            ids.add(id);
            var answer = client.send(chat(key.secret(), id, "fake-chat"));
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        }

        assertThat(portsOf(ids)).as("gateway-side ports of the five calls").hasSize(1);
    }

    @Test
    void aStreamAbandonedByItsClientIsCancelledAndTheNextCallsStillSucceed() throws Exception {
        var key = client.createKey();
        HttpResponse<InputStream> endless = client.http().send(HttpRequest.newBuilder(
                        URI.create(client.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key.secret())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"fake-endless","stream":true,"messages":[{"role":"user","content":"hi"}]}"""))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        var reader = new BufferedReader(new InputStreamReader(endless.body(), StandardCharsets.UTF_8));
        assertThat(reader.readLine()).contains("tick");
        endless.body().close();
        assertThat(backend.models().awaitEndlessAborted(10)).isTrue();

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = "after-cancel-" + System.nanoTime() + "-" + i;
            ids.add(id);
            var answer = client.send(chat(key.secret(), id, "fake-chat"));
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        }
        assertThat(portsOf(ids)).hasSize(1);
    }

    private HttpRequest chat(String secret, String requestId, String model) {
        return HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + secret)
                .header("Content-Type", "application/json")
                .header("x-request-id", requestId)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.chat(model)))
                .build();
    }

    private Set<Integer> portsOf(List<String> requestIds) {
        Set<Integer> ports = backend.received("fake").stream()
                .filter(r -> requestIds.contains(r.header("x-request-id")))
                .map(ScriptedBackend.Received::remotePort)
                .collect(Collectors.toSet());
        assertThat(backend.received("fake").stream().filter(r -> requestIds.contains(r.header("x-request-id"))))
                .hasSize(requestIds.size());
        return ports;
    }
}
