package io.portcullis.gateway.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 for tests, answering with recorded OpenAI
 * payloads. What it does depends on the requested model:
 * <ul>
 *   <li>{@code fake-chat}: the recorded answer; on a stream, the recorded usage stream;</li>
 *   <li>{@code fake-paused}: a stream that sends one event, then waits for {@link #releasePaused()};</li>
 *   <li>{@code fake-endless}: a stream with an event every 50 ms for 30 s (to see cancellation);</li>
 *   <li>{@code fake-error}: the backend's own 400 error;</li>
 *   <li>{@code fake-slow}: answers after 3 s;</li>
 *   <li>{@code fake-embed}: the recorded embeddings answer;</li>
 *   <li>{@code fake-metered}: a small answer that always reports 20 prompt and 10 completion tokens.</li>
 * </ul>
 * A second, raw socket server ({@link #garbageBaseUrl()}) answers every request with bytes that
 * are not HTTP.
 */
public final class FakeBackend implements AutoCloseable {

    /** Bearer token the gateway must send upstream; the client's key must never arrive here. */
    public static final String UPSTREAM_KEY = "sk-upstream-secret-for-tests";
    private static final Pattern MODEL = Pattern.compile("\"model\"\\s*:\\s*\"([^\"]*)\"");

    /**
     * A request as the backend received it.
     *
     * @param remotePort the gateway's side of the connection it came on: equal ports, one reused connection
     */
    public record Received(String path, Map<String, List<String>> headers, String body, int remotePort) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }
    }

    private final HttpServer server;
    private final ServerSocket garbage;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch pausedGate = new CountDownLatch(1);
    private volatile CountDownLatch endlessAborted = new CountDownLatch(1);

    public FakeBackend() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/v1/", this::handle);
            server.start();
            garbage = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(this::serveGarbage);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public String garbageBaseUrl() {
        return "http://127.0.0.1:" + garbage.getLocalPort() + "/v1";
    }

    public List<Received> received() {
        return received;
    }

    /** The last request that asked for {@code model}. */
    public Received lastFor(String model) {
        for (int i = received.size() - 1; i >= 0; i--) {
            if (received.get(i).body().contains("\"" + model + "\"")) {
                return received.get(i);
            }
        }
        throw new AssertionError("backend received no request for " + model);
    }

    /** Lets the paused stream finish. */
    public void releasePaused() {
        pausedGate.countDown();
    }

    /** Arms the paused and endless behaviours for another test. */
    public void reset() {
        pausedGate = new CountDownLatch(1);
        endlessAborted = new CountDownLatch(1);
    }

    /** @return whether the endless stream saw its connection closed within the timeout */
    public boolean awaitEndlessAborted(long seconds) throws InterruptedException {
        return endlessAborted.await(seconds, TimeUnit.SECONDS);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()),
                    body, exchange.getRemoteAddress().getPort()));
            Matcher m = MODEL.matcher(body);
            String model = m.find() ? m.group(1) : "";
            boolean stream = body.replace(" ", "").contains("\"stream\":true");
            String path = exchange.getRequestURI().getPath();
            switch (model) {
                case "fake-error" -> json(exchange, 400, """
                        {"error":{"message":"Invalid 'messages': empty array.","type":"invalid_request_error",\
                        "param":"messages","code":"empty_array"}}""");
                case "fake-slow" -> {
                    sleep(3000);
                    json(exchange, 200, Fixtures.text("openai/chat.cached-tokens.response.json"));
                }
                case "fake-embed" -> json(exchange, 200, Fixtures.text("openai/embeddings.float.response.json"));
                case "fake-metered" -> json(exchange, 200, """
                        {"id":"chatcmpl-m","object":"chat.completion","created":1,"model":"fake-metered",\
                        "choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],\
                        "usage":{"prompt_tokens":20,"completion_tokens":10,"total_tokens":30}}""");
                case "fake-paused" -> pausedStream(exchange);
                case "fake-endless" -> endlessStream(exchange);
                default -> {
                    if (path.endsWith("/embeddings")) {
                        json(exchange, 200, Fixtures.text("openai/embeddings.float.response.json"));
                    } else if (path.endsWith("/completions") && !path.endsWith("/chat/completions")) {
                        json(exchange, 200, """
                                {"id":"cmpl-1","object":"text_completion","created":1,"model":"fake-chat",\
                                "choices":[{"text":"Paris","index":0,"finish_reason":"stop"}],\
                                "usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}""");
                    } else if (stream) {
                        sse(exchange, Fixtures.text("openai/chat-stream.include-usage.sse"));
                    } else {
                        json(exchange, 200, Fixtures.text("openai/chat.cached-tokens.response.json"));
                    }
                }
            }
        }
    }

    private static void json(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("x-ratelimit-remaining-requests", "999"); // must not leak through
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void sse(HttpExchange exchange, String body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        for (String event : body.split("\n\n")) {
            if (event.isBlank()) {
                continue;
            }
            out.write((event + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private void pausedStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        out.write(chunk("first").getBytes(StandardCharsets.UTF_8));
        out.flush();
        try {
            if (!pausedGate.await(20, TimeUnit.SECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            return;
        }
        out.write(chunk("second").getBytes(StandardCharsets.UTF_8));
        out.write("""
                data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}

                data: [DONE]

                """.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void endlessStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try {
            while (System.nanoTime() < until) {
                out.write(chunk("tick").getBytes(StandardCharsets.UTF_8));
                out.flush();
                sleep(50);
            }
        } catch (IOException e) {
            endlessAborted.countDown();
            throw e;
        }
    }

    private static String chunk(String content) {
        return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
                + "{\"content\":\"" + content + "\"},\"finish_reason\":null}],\"usage\":null}\n\n";
    }

    private void serveGarbage() {
        while (!garbage.isClosed()) {
            try (Socket socket = garbage.accept()) {
                InputStream in = socket.getInputStream();
                in.readNBytes(Math.max(1, in.available()));
                socket.getOutputStream().write("THIS IS NOT HTTP\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // closed, or the client left: either way, next
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        try {
            garbage.close();
        } catch (IOException e) {
            // ignore
        }
    }
}
