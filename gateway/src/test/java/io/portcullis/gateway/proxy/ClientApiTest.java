package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.web.ClientExchange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The client API served through {@link ClientApi} with no servlet anywhere: a plain in-memory
 * {@link ClientExchange}, as another server (the Netty data plane) would hand it over. What the
 * exchange receives is what any server must send: same statuses, headers and bodies as over Tomcat.
 */
class ClientApiTest extends GatewayIntegrationTest {

    private static final String STREAM = """
            {"model":"fake-chat","stream":true,"messages":[{"role":"user","content":"What is the capital of Mexico?"}]}""";

    @Autowired
    ClientApi api;

    @Test
    void servesExactlyTheProxiedPaths() {
        assertThat(api.serves("/v1/chat/completions")).isTrue();
        assertThat(api.serves("/v1/audio/transcriptions")).isTrue();
        assertThat(api.serves("/v1/chat/completions/")).isFalse();
        assertThat(api.serves("/v1/CHAT/completions")).isFalse();
        assertThat(api.serves("/v1/models")).isFalse(); // Spring MVC's, relayed to Tomcat
        assertThat(api.serves("/v1/me")).isFalse();
        assertThat(api.serves("/v1/responses/resp_1")).isFalse(); // stored responses: a servlet
        assertThat(api.serves("/admin/keys")).isFalse();
    }

    @Test
    void answersAChatCompletionWithTheBackendsAnswerAndTheClientsRequestId() throws IOException {
        var key = client.createKey();
        var exchange = MemoryExchange.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));

        api.serve(exchange);

        assertThat(exchange.status).isEqualTo(200);
        assertThat(exchange.answerHeader("Content-Type")).startsWith("application/json");
        assertThat(exchange.answerHeader(Exchange.OVERHEAD_HEADER)).isNotNull();
        assertThat(GatewayClient.JSON.readTree(exchange.answer()).at("/choices/0/message/content").stringValue())
                .isNotEmpty();
        assertThat(backend.lastFor("fake", "fake-chat").header("x-request-id")).isEqualTo(exchange.requestId());
        awaitUsageRows(key.id(), 1);
        assertThat(jdbc.queryForObject("select status from usage_event_named where key_id = ?::uuid", Integer.class,
                key.id())).isEqualTo(200);
    }

    @Test
    void sendsAStreamsHeadersBeforeItsFirstEvent() throws IOException {
        var key = client.createKey();
        var exchange = MemoryExchange.post("/v1/chat/completions", key.secret(), STREAM);

        api.serve(exchange);

        assertThat(exchange.status).isEqualTo(200);
        assertThat(exchange.answerHeader("Content-Type")).isEqualTo("text/event-stream;charset=UTF-8");
        assertThat(exchange.answerHeader("Cache-Control")).isEqualTo("no-cache");
        // the first flush carried the headers and no body: the client knows the stream is open at once
        assertThat(exchange.bodyAtFirstFlush).isZero();
        assertThat(exchange.answer()).contains("data: ").endsWith("data: [DONE]\n\n");
    }

    @Test
    void refusesAnotherMethodWithAllowPostAndReadsNoBody() throws IOException {
        var exchange = new MemoryExchange("GET", "/v1/chat/completions", Map.of(), new byte[0]);

        api.serve(exchange);

        assertThat(exchange.status).isEqualTo(405);
        assertThat(exchange.answerHeader("Allow")).isEqualTo("POST");
        assertThat(exchange.answerHeader("Content-Type")).isEqualTo("application/json;charset=UTF-8");
        assertThat(exchange.answerHeader("Content-Length")).isEqualTo(Integer.toString(exchange.answer().length()));
        assertThat(error(exchange).get("type").stringValue()).isEqualTo("invalid_request_error");
    }

    @Test
    void answersAPathItDoesNotServeWith404InTheContractsShape() throws IOException {
        var exchange = MemoryExchange.post("/v1/chat/completion", null, GatewayClient.chat("fake-chat"));

        api.serve(exchange);

        assertThat(exchange.status).isEqualTo(404);
        assertThat(error(exchange).get("code").stringValue()).isEqualTo("not_found");
    }

    @Test
    void refusesAMissingKeyInAnthropicsShapeOnMessages() throws IOException {
        var exchange = MemoryExchange.post("/v1/messages", null,
                "{\"model\":\"fake-chat\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        api.serve(exchange);

        assertThat(exchange.status).isEqualTo(401);
        JsonNode body = GatewayClient.JSON.readTree(exchange.answer());
        assertThat(body.get("type").stringValue()).isEqualTo("error");
        assertThat(body.at("/error/type").stringValue()).isEqualTo("authentication_error");
        assertThat(body.at("/error/code").stringValue()).isEqualTo("invalid_api_key");
    }

    @Test
    void boundsEachBodyReadToTheDeadlineAndPutsTheTimeoutBack() throws IOException {
        var key = client.createKey();
        var exchange = MemoryExchange.post("/v1/chat/completions", key.secret(), GatewayClient.chat("fake-chat"));

        api.serve(exchange);

        assertThat(exchange.status).isEqualTo(200);
        assertThat(exchange.readLimits).isNotEmpty().allSatisfy(millis ->
                assertThat(millis).isPositive().isLessThanOrEqualTo(30_000L));
        assertThat(exchange.restored).isTrue();
    }

    @Test
    void readsNoFurtherThanTheDeclaredLength() throws IOException {
        var key = client.createKey();
        String body = GatewayClient.chat("fake-chat");
        var exchange = MemoryExchange.post("/v1/chat/completions", key.secret(), body);
        // the whole JSON is there to read, but the declared length cuts it: what follows is the next request's
        exchange.declaredLength = body.length() - 10;

        api.serve(exchange);

        assertThat(exchange.status).isEqualTo(400);
        assertThat(error(exchange).get("type").stringValue()).isEqualTo("invalid_request_error");
    }

    private static JsonNode error(MemoryExchange exchange) {
        return GatewayClient.JSON.readTree(exchange.answer()).get("error");
    }

    /** A whole request in memory and the answer it got: what a server hands {@link ClientApi}, and no more. */
    static final class MemoryExchange implements ClientExchange {
        private final String method;
        private final String path;
        private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private final byte[] body;
        private final String requestId = "req-client-api-" + System.nanoTime();
        long declaredLength;
        int status = 200;
        final Map<String, String> answerHeaders = new LinkedHashMap<>();
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        final List<Long> readLimits = new ArrayList<>();
        boolean restored;
        boolean committed;
        int bodyAtFirstFlush = -1;

        MemoryExchange(String method, String path, Map<String, String> headers, byte[] body) {
            this.method = method;
            this.path = path;
            headers.forEach((name, value) -> this.headers.put(name, List.of(value)));
            this.body = body;
            this.declaredLength = body.length;
        }

        static MemoryExchange post(String path, String key, String json) {
            var headers = new LinkedHashMap<String, String>();
            headers.put("Content-Type", "application/json");
            if (key != null) {
                headers.put("Authorization", "Bearer " + key);
            }
            return new MemoryExchange("POST", path, headers, json.getBytes(StandardCharsets.UTF_8));
        }

        String answer() {
            return output.toString(StandardCharsets.UTF_8);
        }

        String answerHeader(String name) {
            return answerHeaders.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
        }

        @Override
        public String method() {
            return method;
        }

        /** Handed over by no server: it never waited for a thread. */
        @Override
        public long waitedNanos() {
            return 0;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public String query() {
            return null;
        }

        @Override
        public String header(String name) {
            var values = headers(name);
            return values.isEmpty() ? null : values.getFirst();
        }

        @Override
        public List<String> headers(String name) {
            return headers.getOrDefault(name, List.of());
        }

        @Override
        public Iterable<String> headerNames() {
            return headers.keySet();
        }

        @Override
        public long contentLength() {
            return declaredLength;
        }

        @Override
        public String remoteAddress() {
            return "127.0.0.1";
        }

        @Override
        public String requestId() {
            return requestId;
        }

        @Override
        public InputStream body() {
            // all the bytes, whatever was declared: reading no further than declared is the reader's job
            return new ByteArrayInputStream(body);
        }

        @Override
        public void limitReadTime(long millis) {
            readLimits.add(millis);
        }

        @Override
        public void restoreReadTime() {
            restored = true;
        }

        @Override
        public void status(int status) {
            if (!committed) {
                this.status = status;
            }
        }

        @Override
        public void header(String name, String value) {
            if (!committed) {
                answerHeaders.put(name, value);
            }
        }

        @Override
        public void contentLength(long length) {
            header("Content-Length", Long.toString(length));
        }

        @Override
        public boolean committed() {
            return committed;
        }

        @Override
        public void resetBuffer() {
            if (!committed) {
                output.reset();
            }
        }

        @Override
        public OutputStream output() {
            return output;
        }

        @Override
        public void flush() {
            if (bodyAtFirstFlush < 0) {
                bodyAtFirstFlush = output.size();
            }
            committed = true;
        }
    }
}
