package io.portcullis.gateway.support;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * An OpenAI-compatible backend's audio, image and moderation endpoints, answering with the
 * recorded payloads under {@code fixtures/openai}: transcriptions with {@code usage} in seconds
 * (or in tokens for {@code gpt-4o-mini-transcribe}; as plain text when {@code response_format} is
 * {@code text}), translations without usage, speech as audio bytes sent in {@value #SPEECH_CHUNKS}
 * chunks {@value #SPEECH_GAP_MILLIS} ms apart, images with one {@code data} item per {@code n}
 * and gpt-image usage, moderations as recorded.
 */
public final class FakeMedia {

    public static final int SPEECH_CHUNKS = 3;
    public static final int SPEECH_GAP_MILLIS = 300;
    /** Bytes of each speech chunk. */
    public static final int SPEECH_CHUNK_BYTES = 1000;

    private FakeMedia() {
    }

    public static ScriptedBackend.Script script() {
        return (exchange, body) -> {
            String path = exchange.getRequestURI().getPath();
            if (path.endsWith("/audio/transcriptions")) {
                if (body.contains("name=\"response_format\"\r\n\r\ntext")) {
                    ScriptedBackend.fixed(200, "text/plain; charset=utf-8", "Hello, world! This is a test.\n")
                            .answer(exchange, body);
                } else if (body.contains("gpt-4o-mini-transcribe")) {
                    json(exchange, body, "openai/audio-transcriptions.gpt-4o-mini-transcribe.response.json");
                } else {
                    json(exchange, body, "openai/audio-transcriptions.json.response.json");
                }
            } else if (path.endsWith("/audio/translations")) {
                json(exchange, body, "openai/audio-translations.json.response.json");
            } else if (path.endsWith("/audio/speech")) {
                exchange.getResponseHeaders().set("Content-Type", "audio/mpeg");
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                for (int i = 0; i < SPEECH_CHUNKS; i++) {
                    if (i > 0) {
                        sleep(SPEECH_GAP_MILLIS);
                    }
                    byte[] chunk = new byte[SPEECH_CHUNK_BYTES];
                    java.util.Arrays.fill(chunk, (byte) ('a' + i));
                    out.write(chunk);
                    out.flush();
                }
            } else if (path.endsWith("/images/generations") || path.endsWith("/images/edits")) {
                String recorded = Fixtures.text(path.endsWith("edits") ? "openai/images-edits.gpt-image-1.response.json"
                        : "openai/images-generations.gpt-image-1.response.json");
                int n = images(body);
                int start = recorded.indexOf("[{\"b64_json\"");
                int end = recorded.indexOf("}]", start) + 1;
                String item = recorded.substring(start + 1, end);
                String items = String.join(",", java.util.Collections.nCopies(n, item));
                ScriptedBackend.fixed(200, "application/json",
                        recorded.substring(0, start + 1) + items + recorded.substring(end)).answer(exchange, body);
            } else if (path.endsWith("/moderations")) {
                json(exchange, body, "openai/moderations.omni.response.json");
            } else {
                ScriptedBackend.status(404).answer(exchange, body);
            }
        };
    }

    /** {@code n} of a JSON or multipart request, 1 when absent. */
    private static int images(String body) {
        var json = java.util.regex.Pattern.compile("\"n\"\\s*:\\s*(\\d+)").matcher(body);
        if (json.find()) {
            return Integer.parseInt(json.group(1));
        }
        var form = java.util.regex.Pattern.compile("name=\"?n\"?\r\n(?:[^\r\n]+\r\n)*\r\n(\\d+)").matcher(body);
        return form.find() ? Integer.parseInt(form.group(1)) : 1;
    }

    private static void json(com.sun.net.httpserver.HttpExchange exchange, String body, String fixture)
            throws java.io.IOException {
        ScriptedBackend.fixed(200, "application/json", Fixtures.text(fixture)).answer(exchange, body);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A body's text, for assertions on what reached the backend. */
    public static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
