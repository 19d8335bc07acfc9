package io.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Fixtures;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing the live server: 10,000 generated requests (seeded, so a failure replays) of random and
 * mutated JSON, wrong types, deep nesting, huge strings, invalid UTF-8, duplicate keys, unknown
 * content parts, odd content types (wildcards, unknown charsets), to the client API and the admin
 * API (the admin API's input classes field by field are in {@code admin.AdminFuzzTest}), plus raw-socket
 * malformations (oversized headers, bad URIs, bodies that never finish). Every answer must be a
 * normal answer or a 4xx in the contract's JSON shape, never a 5xx or a stack trace, and the
 * server must stay healthy with bounded memory.
 *
 * <p>Generators are plain seeded {@link Random}s: jqwik 1.10.1 is built for JUnit Platform 1.x
 * while Spring Boot 4 brings Platform 6.
 */
class HostileInputTest extends GatewayIntegrationTest {

    private static final int REQUESTS = 10_000;
    private static final long SEED = 20261127L;
    private static final List<String> PATHS = List.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings",
            "/admin/api/keys", "/admin/api/teams", "/admin/api/accounts", "/admin/api/tokens");
    private static final List<String> CONTENT_TYPES = List.of("application/json", "text/plain",
            "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1",
            "", "garbage/\u0000", "*/*", "application/*", "application/json; charset=bogus");

    @Test
    void tenThousandHostileRequestsGetContractAnswersAndTheServerStaysHealthy() throws Exception {
        var key = client.createKey("{\"name\":\"fuzz\",\"models\":[\"fake-chat\",\"fake-embed\",\"fake-metered\"]}");
        var random = new Random(SEED);
        List<byte[]> seeds = List.of(
                Fixtures.bytes("openai/chat.cached-tokens.request.json"),
                Fixtures.bytes("openai/chat.image-url.request.json"),
                Fixtures.bytes("openai/embeddings.float.request.json"),
                "{\"model\":\"fake-chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(),
                "{\"name\":\"k\",\"models\":[\"fake-chat\"],\"limits\":{\"tokensPerDay\":5}}".getBytes());
        List<Supplier<byte[]>> generators = List.of(
                () -> mutate(seeds.get(random.nextInt(seeds.size())), random),
                () -> randomJson(random, 0).getBytes(StandardCharsets.UTF_8),
                () -> ("{\"model\":" + randomJson(random, 3) + ",\"messages\":" + randomJson(random, 3) + "}").getBytes(),
                () -> nested(random.nextInt(2) == 0 ? '[' : '{', 1 + random.nextInt(100_000)),
                () -> ("{\"model\":\"fake-chat\",\"messages\":[{\"role\":\"user\",\"content\":\""
                        + "x".repeat(random.nextInt(70_000)) + "\"}]}").getBytes(),
                () -> invalidUtf8(random),
                () -> "{\"model\":\"fake-chat\",\"model\":\"fake-embed\",\"messages\":[]}".getBytes(),
                () -> ("{\"model\":\"fake-chat\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\""
                        + randomString(random, 12) + "\",\"data\":" + randomJson(random, 2) + "}]}]}").getBytes(),
                () -> ("{\"model\":\"fake-chat\",\"max_tokens\":" + randomNumber(random) + ",\"n\":" + randomNumber(random)
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").getBytes());

        long heapBefore = usedHeapAfterGc();
        var failures = new ArrayList<String>();
        for (int i = 0; i < REQUESTS && failures.size() < 10; i++) {
            String path = PATHS.get(random.nextInt(PATHS.size()));
            byte[] body = generators.get(random.nextInt(generators.size())).get();
            String contentType = random.nextInt(4) == 0 ? CONTENT_TYPES.get(random.nextInt(CONTENT_TYPES.size()))
                    : "application/json";
            String auth = path.startsWith("/admin") ? TestGateway.ADMIN_TOKEN : key.secret();
            var builder = HttpRequest.newBuilder(URI.create(client.base() + path))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + auth)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (!contentType.isEmpty() && contentType.chars().allMatch(c -> c >= 0x20)) {
                builder.header("Content-Type", contentType);
            }
            HttpResponse<String> response = client.http().send(builder.build(), HttpResponse.BodyHandlers.ofString());
            String problem = problem(response.statusCode(), response.headers().firstValue("content-type").orElse(""),
                    response.body());
            if (problem != null) {
                failures.add("#" + i + " " + path + " " + problem + " for body "
                        + new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8));
            }
        }
        assertThat(failures).isEmpty();

        for (String raw : malformedRequests(key.secret())) {
            String answer = sendRaw(raw);
            int status = Integer.parseInt(answer.substring(9, 12));
            assertThat(status).as(raw.substring(0, Math.min(60, raw.length()))).isBetween(400, 499);
            String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
            assertThat(body).as(answer).startsWith("{\"error\":").doesNotContain("Exception").doesNotContain("<html");
        }

        assertThat(client.get("/actuator/health", null).statusCode()).isEqualTo(200);
        assertThat(client.post("/v1/chat/completions", key.secret(),
                "{\"model\":\"fake-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"still there?\"}]}").statusCode())
                .isEqualTo(200);
        assertThat(usedHeapAfterGc() - heapBefore).as("heap growth after 10,000 hostile requests")
                .isLessThan(200L * 1024 * 1024);
    }

    /** @return what is wrong with an answer, or null when it is a normal answer or a contract 4xx */
    private static String problem(int status, String contentType, String body) {
        if (status >= 500) {
            return "status " + status + ": " + body;
        }
        if (body.contains("Exception") || body.contains("\tat ")) {
            return "stack trace in " + body;
        }
        if (status >= 400 && !(contentType.startsWith("application/json") && body.startsWith("{\"error\":{"))) {
            return "not the contract's error shape: " + status + " " + contentType + " " + body;
        }
        return null;
    }

    private static List<String> malformedRequests(String key) {
        return List.of(
                "GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(100_000) + "\r\nConnection: close\r\n\r\n",
                "GET /v1/mo%zzdels HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /v1/models HTTP/1.1\r\nConnection: close\r\n\r\n",
                "BREW /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Length: 10\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{}",
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                        + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
    }

    private String sendRaw(String request) throws IOException {
        try (var socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            var out = new ByteArrayOutputStream();
            try {
                in.transferTo(out);
            } catch (IOException e) {
                // reset after the answer: what arrived is what counts
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] out = seed.clone();
        int edits = 1 + random.nextInt(8);
        for (int e = 0; e < edits && out.length > 0; e++) {
            int at = random.nextInt(out.length);
            switch (random.nextInt(4)) {
                case 0 -> out[at] = (byte) random.nextInt(256);
                case 1 -> out = java.util.Arrays.copyOf(out, at); // truncate
                case 2 -> out[at] = "{}[]\",:".getBytes()[random.nextInt(7)];
                default -> {
                    byte[] grown = new byte[out.length + 1];
                    System.arraycopy(out, 0, grown, 0, at);
                    grown[at] = (byte) random.nextInt(128);
                    System.arraycopy(out, at, grown, at + 1, out.length - at);
                    out = grown;
                }
            }
        }
        return out;
    }

    private static String randomJson(Random random, int depth) {
        int kind = depth > 4 ? random.nextInt(4) : random.nextInt(7);
        return switch (kind) {
            case 0 -> "null";
            case 1 -> random.nextBoolean() ? "true" : "false";
            case 2 -> randomNumber(random);
            case 3 -> "\"" + randomString(random, 20) + "\"";
            case 4, 5 -> {
                var sb = new StringBuilder("[");
                for (int i = random.nextInt(4); i > 0; i--) {
                    sb.append(randomJson(random, depth + 1)).append(i > 1 ? "," : "");
                }
                yield sb.append(']').toString();
            }
            default -> {
                var sb = new StringBuilder("{");
                String[] keys = {"model", "messages", "stream", "max_tokens", "input", "prompt", "name", "limits",
                        "policy", "content", "type", "stream_options"};
                for (int i = random.nextInt(4); i > 0; i--) {
                    sb.append('"').append(keys[random.nextInt(keys.length)]).append("\":")
                            .append(randomJson(random, depth + 1)).append(i > 1 ? "," : "");
                }
                yield sb.append('}').toString();
            }
        };
    }

    private static String randomNumber(Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> Long.toString(random.nextLong());
            case 1 -> "1e" + random.nextInt(400);
            case 2 -> "-0.0000" + random.nextInt(1000);
            case 3 -> "9".repeat(1 + random.nextInt(300));
            default -> Integer.toString(random.nextInt(100));
        };
    }

    private static String randomString(Random random, int max) {
        var sb = new StringBuilder();
        for (int i = random.nextInt(max); i > 0; i--) {
            int c = random.nextInt(5) == 0 ? random.nextInt(0x3000) : 0x20 + random.nextInt(0x5e);
            if (c == '"' || c == '\\' || c < 0x20 || (c >= 0xD800 && c <= 0xDFFF)) {
                c = 'x';
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    private static byte[] nested(char open, int depth) {
        char close = open == '[' ? ']' : '}';
        var sb = new StringBuilder(depth * 8);
        for (int i = 0; i < depth; i++) {
            sb.append(open == '[' ? "[" : "{\"a\":");
        }
        sb.append("1");
        for (int i = 0; i < depth; i++) {
            sb.append(close);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] invalidUtf8(Random random) {
        byte[] prefix = "{\"model\":\"fake-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"".getBytes();
        byte[] bad = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE, (byte) 0xED, (byte) 0xA0, (byte) 0x80};
        byte[] suffix = "\"}]}".getBytes();
        var out = new ByteArrayOutputStream();
        out.writeBytes(prefix);
        for (int i = 1 + random.nextInt(5); i > 0; i--) {
            out.write(bad[random.nextInt(bad.length)]);
        }
        out.writeBytes(suffix);
        return out.toByteArray();
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
