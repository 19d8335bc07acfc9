package io.portcullis.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A plain HTTP client for one running gateway, as any API user would call it. */
public final class GatewayClient {

    public static final JsonMapper JSON = JsonMapper.builder().build();

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public GatewayClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    public String base() {
        return base;
    }

    public HttpClient http() {
        return http;
    }

    /** A key created through the admin API, with its secret. */
    public record Key(String id, String secret, JsonNode created) {
    }

    public Key createKey(String json) {
        var response = admin("POST", "/admin/api/keys", json);
        if (response.statusCode() != 201) {
            throw new AssertionError("key creation failed: " + response.statusCode() + " " + response.body());
        }
        JsonNode node = JSON.readTree(response.body());
        return new Key(node.get("id").stringValue(), node.get("key").stringValue(), node);
    }

    public Key createKey() {
        return createKey("{\"name\":\"test key\"}");
    }

    public HttpResponse<String> admin(String method, String path, String json) {
        var builder = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + TestGateway.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30));
        builder.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
        return send(builder.build());
    }

    public HttpResponse<String> post(String path, String key, String json) {
        var builder = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (key != null) {
            builder.header("Authorization", "Bearer " + key);
        }
        return send(builder.build());
    }

    public HttpResponse<String> get(String path, String key) {
        var builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET();
        if (key != null) {
            builder.header("Authorization", "Bearer " + key);
        }
        return send(builder.build());
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                if (!answerLandedInThePool(e)) {
                    throw e;
                }
                return http.send(request, HttpResponse.BodyHandlers.ofString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The JDK client's own race (the family of JDK-8336655): a connection taken from its pool still
     * has the pool's watcher reading it when the request goes out, and an answer fast enough (a 404
     * the gateway gives in microseconds) reaches the watcher, which closes the connection as
     * "Data received while in pool" and fails the call with "header parser received no bytes". The
     * gateway did answer; the call is sent once more, on another connection. Any other failure stands.
     */
    private static boolean answerLandedInThePool(IOException failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if ("Data received while in pool".equals(cause.getMessage())) {
                return true;
            }
        }
        return false;
    }

    public static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    public static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"What is the capital of Mexico?\"}]}";
    }
}
