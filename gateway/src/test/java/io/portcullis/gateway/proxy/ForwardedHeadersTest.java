package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.backend.anthropic.AnthropicRequests;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a hostile key holder's headers become at the backend, over real HTTP: only the allow list
 * of the backend's protocol passes (SECURITY.md, "Headers sent upstream").
 */
class ForwardedHeadersTest extends GatewayIntegrationTest {

    /** Headers the HTTP client itself adds to any call; not the client's and not the allow list's. */
    private static final Set<String> TRANSPORT = Set.of("host", "content-length", "content-type", "connection",
            "user-agent");
    private static final String UNLISTED_BETA = "context-1m-2025-08-07";

    private final ScriptedBackend scripted = TestGateway.backend();
    /** Every header (all values) of the last call to the scripted deployment being watched, by lower-case name. */
    private final AtomicReference<Map<String, List<String>>> seen = new AtomicReference<>();

    @AfterEach
    void restoreScripts() {
        TestGateway.resetScripts();
    }

    /** The headers a hostile client adds to an otherwise ordinary request. */
    private static HttpRequest.Builder hostile(HttpRequest.Builder request) {
        return request.header("OpenAI-Organization", "org-victim")
                .header("OpenAI-Project", "proj-victim")
                .header("Cookie", "session=abc")
                .header("X-Forwarded-For", "10.9.8.7")
                .header("Forwarded", "for=10.9.8.7;proto=https")
                .header("X-Foo", "made-up")
                .header("anthropic-beta", TestGateway.HEADERS_BETA + "," + UNLISTED_BETA)
                .header("anthropic-version", "latest");
    }

    private void watch(String deployment) {
        scripted.script(deployment, (exchange, body) -> {
            seen.set(lowerCase(exchange.getRequestHeaders()));
            ScriptedBackend.anthropic().answer(exchange, body);
        });
    }

    private static Map<String, List<String>> lowerCase(Map<String, List<String>> headers) {
        var byName = new TreeMap<String, List<String>>();
        headers.forEach((name, values) -> byName.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        return byName;
    }

    @Test
    void sendsAnOpenAiBackendOnlyItsKeyTheRequestIdAndAccept() {
        var key = client.createKey();
        var request = hostile(HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions")))
                .header("Authorization", "Bearer " + key.secret())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("x-request-id", "trace-headers-1")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.chat("fake-chat")))
                .build();

        assertThat(client.send(request).statusCode()).isEqualTo(200);

        var received = lowerCase(backend.lastFor("fake", "fake-chat").headers());
        assertThat(received.keySet()).isSubsetOf(union(TRANSPORT, "authorization", "accept", "x-request-id"));
        assertThat(received.get("authorization")).containsExactly("Bearer " + TestGateway.UPSTREAM_KEY);
        assertThat(received.get("accept")).containsExactly("application/json");
        assertThat(received.get("x-request-id")).containsExactly("trace-headers-1");
        assertThat(received.get("content-type")).containsExactly("application/json");
        assertThat(received.toString()).doesNotContain(key.secret()).doesNotContain("victim")
                .doesNotContain("session=abc").doesNotContain("10.9.8.7").doesNotContain("made-up");
    }

    @Test
    void sendsAnAnthropicBackendOnlyListedBetasAndItsOwnVersionForABogusOne() {
        watch("headers-claude");
        var key = client.createKey();
        var request = hostile(HttpRequest.newBuilder(URI.create(client.base() + "/v1/messages")))
                .header("x-api-key", key.secret())
                .header("Content-Type", "application/json")
                .header("Accept", "anything goes")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"headers-claude","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"""))
                .build();

        assertThat(client.send(request).statusCode()).isEqualTo(200);

        var received = seen.get();
        assertThat(received.keySet()).isSubsetOf(union(TRANSPORT, "x-api-key", "accept", "x-request-id",
                "anthropic-version", "anthropic-beta"));
        assertThat(received.get("x-api-key")).containsExactly(TestGateway.ANTHROPIC_KEY);
        assertThat(received.get("anthropic-beta")).containsExactly(TestGateway.HEADERS_BETA);
        assertThat(received.get("anthropic-version")).containsExactly(AnthropicRequests.API_VERSION);
        assertThat(received.get("accept")).containsExactly(UpstreamHeaders.DEFAULT_ACCEPT);
        assertThat(received).doesNotContainKey("authorization");
        assertThat(received.toString()).doesNotContain(key.secret()).doesNotContain(UNLISTED_BETA)
                .doesNotContain("victim").doesNotContain("session=abc").doesNotContain("10.9.8.7")
                .doesNotContain("made-up");
    }

    @Test
    void keepsTheClientsAnthropicVersionWhenItIsADate() {
        watch("headers-claude");
        var key = client.createKey();
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/messages"))
                .header("x-api-key", key.secret())
                .header("anthropic-version", "2023-01-01")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"headers-claude","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"""))
                .build();

        assertThat(client.send(request).statusCode()).isEqualTo(200);

        assertThat(seen.get().get("anthropic-version")).containsExactly("2023-01-01");
        assertThat(seen.get()).doesNotContainKey("anthropic-beta");
    }

    @Test
    void aManagedBackendPassesTheBetasStoredForIt() {
        watch("managed-beta");
        var key = client.createKey();
        var created = client.admin("POST", "/admin/api/backends", """
                {"name":"managed-beta","type":"anthropic","baseUrl":"%s","aliases":{"managed-beta":"claude-haiku-4-5"},
                 "anthropicBeta":["files-api-2025-04-14"]}""".formatted(scripted.baseUrl("managed-beta")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).contains("\"anthropicBeta\":[\"files-api-2025-04-14\"]");
        var request = HttpRequest.newBuilder(URI.create(client.base() + "/v1/messages"))
                .header("x-api-key", key.secret())
                .header("anthropic-beta", "files-api-2025-04-14, " + TestGateway.HEADERS_BETA)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"managed-beta","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"""));

        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> client.send(request.build()).statusCode() == 200);

        assertThat(seen.get().get("anthropic-beta")).containsExactly("files-api-2025-04-14");
        assertThat(client.admin("GET", "/admin/api/backends", null).body())
                .contains("\"backend\":\"managed-beta\"").contains("\"anthropicBeta\":[\"files-api-2025-04-14\"]");
        assertThat(client.admin("DELETE", "/admin/api/backends/managed-beta", null).statusCode()).isEqualTo(204);
    }

    @Test
    void refusesAManagedBackendWithABetaThatIsNotAName() {
        var refused = client.admin("POST", "/admin/api/backends", """
                {"name":"managed-bad-beta","type":"anthropic","baseUrl":"http://127.0.0.1:9/v1","models":["m-bad-beta"],
                 "anthropicBeta":["files-api, context-1m"]}""");

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(GatewayClient.json(refused).get("error").get("message").stringValue()).contains("anthropic-beta");
        assertThat(jdbc.queryForObject("select count(*) from managed_backend where name = 'managed-bad-beta'",
                Integer.class)).isZero();
    }

    @Test
    void refusesAManagedBackendWithBetasThatIsNotAnthropic() {
        var refused = client.admin("POST", "/admin/api/backends", """
                {"name":"managed-openai-beta","baseUrl":"http://127.0.0.1:9/v1","models":["m-openai-beta"],
                 "anthropicBeta":["files-api-2025-04-14"]}""");

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    }

    private static Set<String> union(Set<String> base, String... more) {
        return java.util.stream.Stream.concat(base.stream(), Set.of(more).stream()).collect(Collectors.toSet());
    }
}
