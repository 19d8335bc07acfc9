package io.portcullis.gateway.responses;

import com.sun.net.httpserver.HttpExchange;
import io.portcullis.gateway.support.Fixtures;
import io.portcullis.gateway.support.ScriptedBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenAI's Responses API as a scripted deployment, from recorded answers
 * ({@code fixtures/openai/responses*}): {@code POST /responses} answers the recorded response
 * (or, with {@code "stream":true}, the recorded event stream; with a {@code web_search} tool, the
 * recorded web search answer with cached tokens), each with a fresh id, and keeps it;
 * {@code GET}, {@code DELETE} and {@code GET .../input_items} answer for kept ids and the recorded
 * 404 for others. The recorded ids are replaced because the test database is shared: every
 * response must be new to the gateway.
 */
final class ResponsesApiFake implements ScriptedBackend.Script {

    private static final String TEXT_ID = "resp_012716c47e5818750068c9ef3acb74819590c9bfdd9025e969";
    private static final String STREAM_ID = "resp_0b70e4946283a4df0068c9ef5ef4d88194adeeb6e2283d609a";
    private static final String WEB_ID = "resp_0ae4c5fac2e4a09c0069c76c3a41fc819099cdcf43e3589b20";

    private final Map<String, String> stored = new ConcurrentHashMap<>();

    /** Whether the fake still holds a response (not deleted). */
    boolean holds(String id) {
        return stored.containsKey(id);
    }

    @Override
    public void answer(HttpExchange exchange, String body) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        String below = path.substring(path.indexOf("/v1/") + 3); // "/responses..."
        String id = "resp_" + UUID.randomUUID().toString().replace("-", "");
        if (method.equals("POST") && below.equals("/responses")) {
            String compact = body.replace(" ", "");
            if (compact.contains("\"stream\":true")) {
                String events = Fixtures.text("openai/responses-stream.text.sse").replace(STREAM_ID, id);
                stored.put(id, "{\"id\":\"" + id + "\",\"object\":\"response\",\"status\":\"completed\"}");
                ScriptedBackend.sse(events).answer(exchange, body);
                return;
            }
            String answer = compact.contains("\"web_search\"")
                    ? Fixtures.text("openai/responses.web-search.cached-tokens.response.json").replace(WEB_ID, id)
                    : Fixtures.text("openai/responses.text.response.json").replace(TEXT_ID, id);
            stored.put(id, answer);
            json(exchange, 200, answer);
            return;
        }
        String[] parts = below.split("/"); // ["", "responses", id, "input_items"?]
        String asked = parts.length > 2 ? parts[2] : "";
        String kept = stored.get(asked);
        if (kept == null) {
            json(exchange, 404, Fixtures.text("openai/responses.error.404.not_found.json").replace(TEXT_ID, asked));
        } else if (method.equals("DELETE") && parts.length == 3) {
            stored.remove(asked);
            json(exchange, 200, "{\"id\":\"" + asked + "\",\"object\":\"response.deleted\",\"deleted\":true}");
        } else if (method.equals("GET") && parts.length == 4 && parts[3].equals("input_items")) {
            json(exchange, 200, """
                    {"object":"list","data":[{"id":"msg_1","type":"message","role":"user","content":\
                    [{"type":"input_text","text":"Hello, model!"}]}],"first_id":"msg_1","last_id":"msg_1",\
                    "has_more":false,"query":"%s"}""".formatted(exchange.getRequestURI().getRawQuery()));
        } else if (method.equals("GET") && parts.length == 3) {
            json(exchange, 200, kept);
        } else {
            json(exchange, 405, "{\"error\":{\"message\":\"unexpected\",\"type\":\"invalid_request_error\"}}");
        }
    }

    private static void json(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
