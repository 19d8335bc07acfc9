package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Fixtures;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatCompletionsTest extends GatewayIntegrationTest {

    @Test
    void relaysNonStreamingChatUnchangedAndRecordsItsUsage() {
        var key = client.createKey();
        String body = Fixtures.text("openai/chat.cached-tokens.request.json").replace("\"gpt-5.6-sol\"", "\"fake-chat\"");

        var response = client.post("/v1/chat/completions", key.secret(), body);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(Fixtures.text("openai/chat.cached-tokens.response.json"));
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/json"));
        // the request body reaches the backend byte for byte
        assertThat(backend.lastFor("fake", "fake-chat").body()).isEqualTo(body);
        awaitUsageRows(key.id(), 1);
        Map<String, Object> row = jdbc.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
        assertThat(row).containsEntry("model", "fake-chat").containsEntry("backend", "fake")
                .containsEntry("endpoint", "chat").containsEntry("outcome", "success")
                .containsEntry("streamed", false).containsEntry("prompt_tokens", 4020)
                .containsEntry("completion_tokens", 4).containsEntry("cached_tokens", 4012);
        assertThat(((Number) row.get("status")).intValue()).isEqualTo(200);
        assertThat(row.get("request_id")).isEqualTo(response.headers().firstValue("x-request-id").orElseThrow());
    }

    @Test
    void sendsTheBackendsKeyAndNeverTheClientsCredentials() {
        var key = client.createKey();
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key.secret())
                .header("Content-Type", "application/json")
                .header("Cookie", "session=abc")
                .header("OpenAI-Organization", "org-123")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.chat("fake-chat")))
                .build();

        assertThat(client.send(request).statusCode()).isEqualTo(200);

        var received = backend.lastFor("fake", "fake-chat");
        assertThat(received.header("Authorization")).isEqualTo("Bearer " + TestGateway.UPSTREAM_KEY);
        assertThat(received.headers().toString()).doesNotContain(key.secret()).doesNotContain("session=abc");
        assertThat(received.header("OpenAI-Organization")).isNull(); // it would choose whom the upstream key bills
    }

    @Test
    void echoesTheClientsRequestIdAndPassesItUpstream() {
        var key = client.createKey();
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key.secret())
                .header("x-request-id", "trace-42")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.chat("fake-chat")))
                .build();

        var response = client.send(request);

        assertThat(response.headers().firstValue("x-request-id")).hasValue("trace-42");
        assertThat(backend.lastFor("fake", "fake-chat").header("x-request-id")).isEqualTo("trace-42");
    }

    @Test
    void generatesARequestIdWhenTheClientSentNone() {
        var response = client.post("/v1/chat/completions", null, GatewayClient.chat("fake-chat"));

        assertThat(response.headers().firstValue("x-request-id")).hasValueSatisfying(
                id -> assertThat(id).startsWith("req_").hasSizeGreaterThan(20));
    }

    @Test
    void doesNotLeakTheBackendsRateLimitHeaders() {
        var key = client.createKey();
        var response = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));

        assertThat(response.headers().firstValue("x-ratelimit-remaining-requests")).isEmpty();
    }

    @Test
    void acceptsTheKeyInXApiKeyToo() {
        var key = client.createKey();
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions"))
                .header("x-api-key", key.secret())
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.chat("fake-chat")))
                .build();

        assertThat(client.send(request).statusCode()).isEqualTo(200);
    }

    @Test
    void relaysLegacyCompletions() {
        var key = client.createKey();
        var response = client.post("/v1/completions", key.secret(),
                "{\"model\":\"fake-chat\",\"prompt\":\"The capital of France is\"}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(GatewayClient.json(response).at("/choices/0/text").stringValue()).isEqualTo("Paris");
        awaitUsageRows(key.id(), 1);
        assertThat(jdbc.queryForObject("select prompt_tokens + completion_tokens from usage_event_named where key_id = ?::uuid",
                Integer.class, key.id())).isEqualTo(6);
    }

    @Test
    void reportsTheGatewaysOwnOverheadInAHeader() {
        var key = client.createKey();
        long before = System.nanoTime();
        var response = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));
        long roundTripMicros = (System.nanoTime() - before) / 1_000;

        assertThat(response.statusCode()).isEqualTo(200);
        // Plausible, not fast: a count of microseconds, within what the client itself waited.
        assertThat(response.headers().firstValue("x-portcullis-overhead-us")).hasValueSatisfying(value ->
                assertThat(Long.parseLong(value)).isNotNegative().isLessThanOrEqualTo(roundTripMicros));
    }

    @Test
    void sendsNoOverheadHeaderWithARefusal() {
        var response = client.post("/v1/chat/completions", "gw-not-a-key", GatewayClient.chat("fake-chat"));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("x-portcullis-overhead-us")).isEmpty();
    }
}
