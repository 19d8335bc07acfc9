package io.portcullis.gateway.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * What the policy attack tests share: the two front doors, and the check that a refused request
 * got the contract's 403 and reached no backend at all.
 */
abstract class PolicyAttackTest extends GatewayIntegrationTest {

    /** A 1x1 PNG, base64. */
    static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    final ScriptedBackend scripted = TestGateway.backend();

    HttpResponse<String> chat(String key, String body) {
        return client.post("/v1/chat/completions", key, body);
    }

    HttpResponse<String> messages(String key, String body) {
        return client.send(HttpRequest.newBuilder(URI.create(client.base() + "/v1/messages"))
                .header("x-api-key", key)
                .header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Requests the backends (the OpenAI fake and the scripted Anthropic one) have received so far. */
    int backendCalls() {
        return backend.received("fake").size() + scripted.count("claude");
    }

    /** Sends, and asserts a 403 {@code policy_violation} that no backend saw and that does not echo {@code secret}. */
    void assertRefused(Supplier<HttpResponse<String>> send, String secret) {
        int before = backendCalls();
        HttpResponse<String> response = send.get();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(GatewayClient.json(response).at("/error/code").stringValue()).isEqualTo("policy_violation");
        assertThat(response.body()).doesNotContainIgnoringCase(secret);
        assertThat(backendCalls()).as("backend calls").isEqualTo(before);
    }

    /** Sends, and asserts that the request was answered by a backend. */
    void assertAnswered(Supplier<HttpResponse<String>> send) {
        int before = backendCalls();
        HttpResponse<String> response = send.get();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(backendCalls()).as("backend calls").isEqualTo(before + 1);
    }
}
