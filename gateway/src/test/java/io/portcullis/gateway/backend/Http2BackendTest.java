package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.Http2Backend;
import io.portcullis.gateway.support.StandaloneGateway;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A gateway whose backend speaks HTTP/2 in clear text ({@code gateway.upstream.http2-hosts}): clients
 * see the same API, every answer is billed from its usage, concurrent requests share one
 * connection to the backend, and a client that leaves mid-stream resets its stream upstream.
 */
class Http2BackendTest {

    private static EmbeddedPostgresServer postgres;
    private static Http2Backend backend;
    private static StandaloneGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgresServer.ephemeral();
        backend = new Http2Backend(1000);
        var properties = new HashMap<String, String>();
        properties.put("server.address", "127.0.0.1");
        properties.put("gateway.backends[24].name", "h2-backend");
        properties.put("gateway.backends[24].base-url", "http://127.0.0.1:" + backend.port() + "/v1");
        properties.put("gateway.backends[24].models[0]", "h2-model");
        properties.put("gateway.backends[24].models[1]", "h2-slow");
        properties.put("gateway.backends[24].models[2]", "h2-broken");
        properties.put("gateway.upstream.http2-hosts[0]", "127.0.0.1:" + backend.port());
        gateway = StandaloneGateway.start(postgres.jdbcUrl(), properties);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aChatAnswerOverHttp2IsRelayedAndBilledFromItsUsage() throws Exception {
        var client = gateway.client();
        var key = client.createKey();

        var answer = client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("h2-model"));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(GatewayClient.json(answer).at("/choices/0/message/content").stringValue()).isEqualTo("over HTTP/2");
        assertThat(ledger(key.id())).containsEntry("prompt_tokens", 11).containsEntry("completion_tokens", 7)
                .containsEntry("outcome", "success").containsEntry("backend", "h2-backend");
    }

    @Test
    void aStreamOverHttp2IsRelayedEventByEventAndBilled() throws Exception {
        var client = gateway.client();
        var key = client.createKey();

        var lines = new ArrayList<String>();
        try (var reader = new BufferedReader(new InputStreamReader(stream(key.secret(), "h2-model").body(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("data: ")) {
                    lines.add(line);
                }
            }
        }

        assertThat(lines).hasSize(4).last().isEqualTo("data: [DONE]");
        assertThat(String.join("\n", lines)).contains("part0", "part1", "part2");
        assertThat(ledger(key.id())).containsEntry("streamed", true).containsEntry("prompt_tokens", 11)
                .containsEntry("completion_tokens", 3).containsEntry("outcome", "success");
    }

    @Test
    void aClientThatLeavesMidStreamResetsItsStreamAtTheBackend() throws Exception {
        var client = gateway.client();
        var key = client.createKey();
        int resetsBefore = backend.resets();

        HttpResponse<InputStream> response = stream(key.secret(), "h2-slow");
        try (var reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertThat(reader.readLine()).startsWith("data: ").contains("part0");
        }

        assertThat(backend.awaitResets(resetsBefore + 1, 10_000)).as("the backend's stream was reset").isTrue();
        // cut short by the client: billed, not lost
        assertThat(ledger(key.id())).containsEntry("outcome", "client_closed");
    }

    @Test
    void anAnswerTheBackendResetsHalfwayIsBilledNotLost() throws Exception {
        var client = gateway.client();
        var key = client.createKey();

        try {
            client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("h2-broken"));
        } catch (RuntimeException e) {
            // the answer had begun: the client may see it cut, or the connection closed
        }

        assertThat(ledger(key.id())).containsEntry("outcome", "upstream_broken").containsEntry("backend", "h2-backend");
    }

    @Test
    void concurrentRequestsShareOneConnectionToTheBackend() throws Exception {
        var client = gateway.client();
        var key = client.createKey();

        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            var calls = new ArrayList<Future<HttpResponse<String>>>();
            for (int i = 0; i < 30; i++) {
                calls.add(threads.submit(() -> client.post("/v1/chat/completions", key.secret(),
                        GatewayClient.chat("h2-model"))));
            }
            for (var call : calls) {
                assertThat(call.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        }

        assertThat(backend.connections()).isEqualTo(1);
        // what ops see: one socket for the backend's streams
        String metrics = client.get("/actuator/prometheus", null).body();
        assertThat(metrics).containsPattern("(?m)^portcullis_upstream_http2_connections(\\{[^}]*})? 1\\.0$");
    }

    private static HttpResponse<InputStream> stream(String secret, String model) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(gateway.client().base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + secret).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                        + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
        var response = gateway.client().http().send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        return response;
    }

    /** The key's one ledger row, once written. */
    private static Map<String, Object> ledger(String keyId) {
        return Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).until(() -> row(keyId), r -> !r.isEmpty());
    }

    private static Map<String, Object> row(String keyId) throws Exception {
        try (var c = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
             var statement = c.prepareStatement("select backend, prompt_tokens, completion_tokens, outcome, streamed"
                     + " from usage_event_named where key_id = ?::uuid")) {
            statement.setString(1, keyId);
            try (var rows = statement.executeQuery()) {
                Map<String, Object> row = new HashMap<>();
                if (rows.next()) {
                    for (String column : List.of("backend", "prompt_tokens", "completion_tokens", "outcome", "streamed")) {
                        row.put(column, rows.getObject(column));
                    }
                }
                return row;
            }
        }
    }
}
