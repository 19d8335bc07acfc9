package io.portcullis.gateway.support;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Gemini API ({@code generativelanguage} v1beta) as a {@link ScriptedBackend.Script}, replaying
 * recorded and documented payloads (fixtures/google). It checks what Google checks: the path
 * ({@code /models/{m}:generateContent}, {@code :streamGenerateContent?alt=sse},
 * {@code :batchEmbedContents}), the key in {@code x-goog-api-key}, and a body in Gemini's shape,
 * answering Google's own errors otherwise. The upstream model picks the answer:
 *
 * <ul>
 *   <li>{@code gemini-2.0-flash}: the recorded text answer, or the recorded 3-chunk CRLF stream;
 *   <li>{@code gemini-2.5-flash}: the recorded thinking answer or stream (thoughts billed as output);
 *   <li>{@code gemini-1.5-flash-001}: the recorded answer from an explicit cache;
 *   <li>{@code gemini-tools}: a function call;
 *   <li>{@code gemini-embedding-001}: one embedding per request of the batch;
 *   <li>{@code failing-stream}: a stream that reports an error after its first event;
 *   <li>{@code busy}, {@code missing}, {@code denied}, {@code bad-key}, {@code down}, {@code broken}:
 *       Google's 429, 404, 403, 400 (API key), 503 and 500.
 * </ul>
 */
public final class FakeGemini {

    /** The upstream key the gateway must send. */
    public static final String KEY = "AIza-upstream-gemini-key-for-tests";

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final List<String> PATHS = new CopyOnWriteArrayList<>();

    private FakeGemini() {
    }

    /** Path and query of the last call, below the deployment's base URL. */
    public static String lastPath() {
        return PATHS.isEmpty() ? null : PATHS.getLast();
    }

    public static ScriptedBackend.Script script() {
        return FakeGemini::answer;
    }

    private static void answer(HttpExchange exchange, String body) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String query = exchange.getRequestURI().getQuery();
        String below = path.substring(path.indexOf("/v1/") + 3);
        PATHS.add(below + (query == null ? "" : "?" + query));
        if (!KEY.equals(exchange.getRequestHeaders().getFirst("x-goog-api-key"))) {
            fixed(exchange, 400, "error.400.invalid_argument.api-key.json");
            return;
        }
        if (!below.startsWith("/models/") || below.indexOf(':') < 0) {
            fixed(exchange, 404, "error.404.not_found.json");
            return;
        }
        String model = below.substring("/models/".length(), below.indexOf(':'));
        String method = below.substring(below.indexOf(':') + 1);
        switch (model) {
            case "busy" -> fixed(exchange, 429, "error.429.resource_exhausted.json");
            case "missing" -> fixed(exchange, 404, "error.404.not_found.json");
            case "denied" -> fixed(exchange, 403, "error.403.permission_denied.json");
            case "bad-key" -> fixed(exchange, 400, "error.400.invalid_argument.api-key.json");
            case "down" -> fixed(exchange, 503, "error.503.unavailable.json");
            case "broken" -> fixed(exchange, 500, "error.500.internal.json");
            default -> answer(exchange, model, method, query, body);
        }
    }

    private static void answer(HttpExchange exchange, String model, String method, String query, String body)
            throws IOException {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (JacksonException e) {
            invalid(exchange, "Invalid JSON payload received.");
            return;
        }
        switch (method) {
            case "generateContent", "streamGenerateContent" -> {
                for (String openAiField : new String[] {"messages", "model", "max_tokens", "stream"}) {
                    if (json.has(openAiField)) {
                        invalid(exchange, "Invalid JSON payload received. Unknown name \"" + openAiField
                                + "\": Cannot find field.");
                        return;
                    }
                }
                if (!json.path("contents").isArray() || json.path("contents").isEmpty()) {
                    invalid(exchange, "* GenerateContentRequest.contents: contents is not specified");
                    return;
                }
                if (method.equals("streamGenerateContent")) {
                    if (!"alt=sse".equals(query)) {
                        invalid(exchange, "streamGenerateContent without alt=sse answers a JSON array");
                        return;
                    }
                    if (model.equals("failing-stream")) {
                        failingStream(exchange);
                        return;
                    }
                    stream(exchange, model.equals("gemini-2.5-flash") ? "stream-generate-content.thinking.sse"
                            : "stream-generate-content.text.sse");
                    return;
                }
                fixed(exchange, 200, switch (model) {
                    case "gemini-2.5-flash" -> "generate-content.thinking.response.json";
                    case "gemini-1.5-flash-001" -> "generate-content.cached-content.response.json";
                    case "gemini-tools" -> "generate-content.function-call.response.json";
                    default -> "generate-content.text.response.json";
                });
            }
            case "batchEmbedContents" -> embed(exchange, model, json);
            default -> fixed(exchange, 404, "error.404.not_found.json");
        }
    }

    /** One embedding per request, each request naming the model of the path, as Google insists. */
    private static void embed(HttpExchange exchange, String model, JsonNode json) throws IOException {
        JsonNode requests = json.path("requests");
        JsonNode recorded = JSON.readTree(Fixtures.text("google/batch-embed-contents.response.json")).path("embeddings");
        var answer = JSON.createObjectNode();
        var embeddings = answer.putArray("embeddings");
        for (JsonNode request : requests) {
            if (!request.path("model").asString("").equals("models/" + model)
                    || !request.path("content").path("parts").path(0).path("text").isString()) {
                invalid(exchange, "* BatchEmbedContentsRequest.requests: model and content.parts[].text are required");
                return;
            }
            embeddings.add(recorded.get(embeddings.size() % recorded.size()));
        }
        send(exchange, 200, "application/json", JSON.writeValueAsBytes(answer));
    }

    private static void invalid(HttpExchange exchange, String message) throws IOException {
        String body = """
                {
                  "error": {
                    "code": 400,
                    "message": %s,
                    "status": "INVALID_ARGUMENT"
                  }
                }
                """.formatted(JSON.writeValueAsString(message));
        send(exchange, 400, "application/json; charset=UTF-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void fixed(HttpExchange exchange, int status, String fixture) throws IOException {
        send(exchange, status, "application/json; charset=UTF-8", Fixtures.bytes("google/" + fixture));
    }

    /** The recorded stream byte for byte (CRLF line ends), one event at a time, flushed after each. */
    private static void stream(HttpExchange exchange, String fixture) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        String events = Fixtures.text("google/" + fixture);
        for (String event : events.split("(?<=\r\n\r\n)")) {
            out.write(event.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /** The recorded stream's first event, then an error object in the stream, as Google ends a failed one. */
    private static void failingStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        String first = Fixtures.text("google/stream-generate-content.text.sse").split("(?<=\r\n\r\n)")[0];
        out.write(first.getBytes(StandardCharsets.UTF_8));
        out.flush();
        out.write(("data: {\"error\": {\"code\": 500,\"message\": \"An internal error has occurred.\","
                + "\"status\": \"INTERNAL\"}}\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }
}
