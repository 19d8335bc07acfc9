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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tests' one HTTP fake: a real server on 127.0.0.1 standing in for many deployments at once.
 * Each deployment is a path prefix ({@code /<name>/v1}) and answers with a {@link Script} a test can
 * change ({@link #ok} until one is set); {@link #models()} is the script of the fixed models most
 * tests call. Every request is recorded under its deployment's name (path, headers, body, the
 * gateway's port), so a test can tell which deployment was called, how often and with what.
 * Three more servers stand for broken backends: {@link #garbageBaseUrl()} answers bytes that are
 * not HTTP, {@link #droppingBaseUrl()} starts a stream, sends one event and cuts the connection, and
 * {@link #unconnectableBaseUrl()} never completes a connection.
 */
public final class ScriptedBackend implements AutoCloseable {

    /** How one deployment answers. */
    @FunctionalInterface
    public interface Script {
        void answer(HttpExchange exchange, String body) throws IOException;
    }

    /**
     * A request as a deployment received it.
     *
     * @param path       below the deployment's prefix ({@code /v1/chat/completions})
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
    private final ServerSocket dropping;
    /** Never accepts, and its one-slot backlog is kept full: connecting to it times out. */
    private final ServerSocket unconnectable;
    private final List<Socket> backlogFillers = new CopyOnWriteArrayList<>();
    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private final Map<String, List<Received>> received = new ConcurrentHashMap<>();
    private final AtomicInteger droppedCount = new AtomicInteger();
    private final java.util.Set<String> sinks = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> sunk = new ConcurrentHashMap<>();
    private final FixedModels models = new FixedModels();

    public ScriptedBackend() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", this::handle);
            server.start();
            garbage = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(this::serveGarbage);
            dropping = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(this::serveDropping);
            unconnectable = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            for (int i = 0; i < 2; i++) {
                Socket filler = new Socket();
                filler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), unconnectable.getLocalPort()),
                        5000);
                backlogFillers.add(filler);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String baseUrl(String name) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + name + "/v1";
    }

    /** A backend that answers every request with bytes that are not HTTP. */
    public String garbageBaseUrl() {
        return "http://127.0.0.1:" + garbage.getLocalPort() + "/v1";
    }

    public String droppingBaseUrl() {
        return "http://127.0.0.1:" + dropping.getLocalPort() + "/v1";
    }

    /** A backend whose connections never complete (the connect timeout's case). */
    public String unconnectableBaseUrl() {
        return "http://127.0.0.1:" + unconnectable.getLocalPort() + "/v1";
    }

    public void script(String name, Script script) {
        scripts.put(name, script);
    }

    /** The fixed models' script, with the switches of its paused and endless streams. */
    public FixedModels models() {
        return models;
    }

    /** Every request deployment {@code name} received, oldest first. */
    public List<Received> received(String name) {
        return received.getOrDefault(name, List.of());
    }

    public int count(String name) {
        return received(name).size();
    }

    public int droppedCount() {
        return droppedCount.get();
    }

    public List<String> bodies(String name) {
        return received(name).stream().map(Received::body).toList();
    }

    /** A header of the last request deployment {@code name} received. */
    public String header(String name, String header) {
        var all = received(name);
        return all.isEmpty() ? null : all.getLast().header(header);
    }

    /** The last request deployment {@code name} received that asked for {@code model}. */
    public Received lastFor(String name, String model) {
        var all = received(name);
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).body().contains("\"" + model + "\"")) {
                return all.get(i);
            }
        }
        throw new AssertionError(name + " received no request for " + model);
    }

    /**
     * Makes deployment {@code name} a sink: request bodies are read as they arrive and not kept,
     * only their size and first and last {@value #SINK_KEPT} bytes (recorded as the body, joined by
     * a line {@code ...}), so a test can send uploads larger than the heap.
     */
    public void sink(String name) {
        sinks.add(name);
    }

    static final int SINK_KEPT = 4096;

    /** Bytes of the last request body sink {@code name} received. */
    public long sunkBytes(String name) {
        return sunk.getOrDefault(name, -1L);
    }

    private String sinkBody(String name, InputStream in) throws IOException {
        byte[] head = new byte[SINK_KEPT];
        byte[] ring = new byte[SINK_KEPT];
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(chunk)) >= 0) {
            for (int i = 0; i < n; i++) {
                long at = total + i;
                if (at < SINK_KEPT) {
                    head[(int) at] = chunk[i];
                }
                ring[(int) (at % SINK_KEPT)] = chunk[i];
            }
            total += n;
        }
        sunk.put(name, total);
        int headLength = (int) Math.min(total, SINK_KEPT);
        var tail = new java.io.ByteArrayOutputStream();
        long from = Math.max(0, total - SINK_KEPT);
        for (long at = from; at < total; at++) {
            tail.write(ring[(int) (at % SINK_KEPT)]);
        }
        return new String(head, 0, headLength, StandardCharsets.ISO_8859_1) + "\n...\n"
                + tail.toString(StandardCharsets.ISO_8859_1);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String name = path.split("/")[1];
            String body = sinks.contains(name) ? sinkBody(name, exchange.getRequestBody())
                    : new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(new Received(
                    path.substring(name.length() + 1), Map.copyOf(exchange.getRequestHeaders()), body,
                    exchange.getRemoteAddress().getPort()));
            scripts.getOrDefault(name, ok(name)).answer(exchange, body);
        }
    }

    /** A small chat completion whose content is the deployment's name. */
    public static Script ok(String name) {
        return (exchange, body) -> json(exchange, 200, """
                {"id":"chatcmpl-%1$s","object":"chat.completion","created":1,"model":"%1$s",\
                "choices":[{"index":0,"message":{"role":"assistant","content":"%1$s"},"finish_reason":"stop"}],\
                "usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}""".formatted(name));
    }

    /**
     * Anthropic's Messages API from recordings: the recorded message, or the recorded stream when
     * asked to stream; upstream model {@code overloaded} gets the recorded 529.
     */
    public static Script anthropic() {
        return (exchange, body) -> {
            if (!exchange.getRequestURI().getPath().endsWith("/v1/messages")) {
                fixed(404, "application/json", Fixtures.text("anthropic/error.400.invalid_request_error.json"))
                        .answer(exchange, body);
            } else if (body.contains("\"model\":\"overloaded\"")) {
                fixed(529, "application/json", Fixtures.text("anthropic/error.529.overloaded_error.json"))
                        .answer(exchange, body);
            } else if (body.replace(" ", "").contains("\"stream\":true")) {
                sse(Fixtures.text("anthropic/messages-stream.text.sse")).answer(exchange, body);
            } else {
                fixed(200, "application/json", Fixtures.text("anthropic/messages.cache-read.response.json"))
                        .answer(exchange, body);
            }
        };
    }

    /** An OpenAI-shaped error with this status. */
    public static Script status(int status) {
        return (exchange, body) -> json(exchange, status, """
                {"error":{"message":"scripted %d","type":"server_error","param":null,"code":null}}""".formatted(status));
    }

    /** Sends one chunk, then says nothing for {@code millis} (the idle timeout's case). */
    public static Script stallAfterFirstEvent(long millis) {
        return (exchange, body) -> {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write(chunk("first").getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** Waits {@code millis} before sending anything (the first-byte timeout's case). */
    public static Script slow(long millis, Script then) {
        return (exchange, body) -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            then.answer(exchange, body);
        };
    }

    /** A whole body with a content type. */
    public static Script fixed(int status, String contentType, String payload) {
        return (exchange, body) -> {
            byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        };
    }

    /** Server-sent events written one at a time, flushed after each. */
    public static Script sse(String events) {
        return (exchange, body) -> {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (String event : events.split("\n\n")) {
                if (!event.isBlank()) {
                    out.write((event + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        };
    }

    private static void json(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    static String chunk(String content) {
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

    private void serveDropping() {
        while (!dropping.isClosed()) {
            try (Socket socket = dropping.accept()) {
                droppedCount.incrementAndGet();
                InputStream in = socket.getInputStream();
                byte[] buffer = new byte[65536];
                // read the request head and body as far as it has arrived
                Thread.sleep(50);
                in.read(buffer, 0, Math.min(buffer.length, Math.max(1, in.available())));
                String event = chunk("first");
                String head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
                String oneChunk = Integer.toHexString(event.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + event + "\r\n";
                OutputStream out = socket.getOutputStream();
                out.write((head + oneChunk).getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(200);
                socket.setSoLinger(true, 0); // a reset, not a clean end
            } catch (IOException | InterruptedException e) {
                // closed, or the client left: either way, next
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        try {
            garbage.close();
            dropping.close();
            unconnectable.close();
            for (Socket filler : backlogFillers) {
                filler.close();
            }
        } catch (IOException e) {
            // ignore
        }
    }
}
