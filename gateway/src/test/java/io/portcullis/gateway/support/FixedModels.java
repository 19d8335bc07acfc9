package io.portcullis.gateway.support;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@link ScriptedBackend.Script} of the fixed models most tests call (deployment {@code fake} in
 * {@link TestGateway}), an OpenAI-compatible backend answering with recorded OpenAI payloads. What
 * it does depends on the requested model:
 * <ul>
 *   <li>{@code fake-chat}: the recorded answer; on a stream, the recorded usage stream;</li>
 *   <li>{@code fake-paused}: a stream that sends one event, then waits for {@link #releasePaused()};</li>
 *   <li>{@code fake-endless}: a stream with an event every 50 ms for 30 s (to see cancellation);</li>
 *   <li>{@code fake-error}: the backend's own 400 error;</li>
 *   <li>{@code fake-slow}: answers after 3 s;</li>
 *   <li>{@code fake-embed}: the recorded embeddings answer;</li>
 *   <li>{@code fake-metered}: a small answer that always reports 20 prompt and 10 completion tokens.</li>
 * </ul>
 * Its JSON answers carry an upstream rate-limit header that must never reach the client.
 */
public final class FixedModels implements ScriptedBackend.Script {

    private static final Pattern MODEL = Pattern.compile("\"model\"\\s*:\\s*\"([^\"]*)\"");

    private volatile CountDownLatch pausedGate = new CountDownLatch(1);
    private volatile CountDownLatch endlessAborted = new CountDownLatch(1);

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

    @Override
    public void answer(HttpExchange exchange, String body) throws IOException {
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
                    ScriptedBackend.sse(Fixtures.text("openai/chat-stream.include-usage.sse")).answer(exchange, body);
                } else {
                    json(exchange, 200, Fixtures.text("openai/chat.cached-tokens.response.json"));
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

    private void pausedStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        out.write(ScriptedBackend.chunk("first").getBytes(StandardCharsets.UTF_8));
        out.flush();
        try {
            if (!pausedGate.await(20, TimeUnit.SECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            return;
        }
        out.write(ScriptedBackend.chunk("second").getBytes(StandardCharsets.UTF_8));
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
                out.write(ScriptedBackend.chunk("tick").getBytes(StandardCharsets.UTF_8));
                out.flush();
                sleep(50);
            }
        } catch (IOException e) {
            endlessAborted.countDown();
            throw e;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
