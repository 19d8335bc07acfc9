package io.portcullis.gateway.admin;

import io.portcullis.gateway.support.GatewayClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A browser-like console session over plain HTTP: keeps cookies itself (the JDK's cookie manager
 * would not send the Secure session cookie over http://127.0.0.1) and sends the CSRF token back
 * as the console's JavaScript does.
 */
final class ConsoleSession {

    private final GatewayClient client;
    private final HttpClient http;
    final Map<String, String> cookies = new LinkedHashMap<>();

    ConsoleSession(GatewayClient client) {
        this(client, client.http());
    }

    /** A session whose requests go out through {@code http} (e.g. one bound to another loopback address). */
    ConsoleSession(GatewayClient client, HttpClient http) {
        this.client = client;
        this.http = http;
    }

    /** Opens the login page (which sets the CSRF cookie) and posts the form; returns the login answer. */
    HttpResponse<String> login(String username, String password) {
        send(HttpRequest.newBuilder(uri("/admin/login.html")).GET());
        String form = "username=" + enc(username) + "&password=" + enc(password) + "&_csrf=" + enc(csrf());
        var answer = send(HttpRequest.newBuilder(uri("/admin/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
        // The token changes at login; the next page view hands out the new one.
        send(HttpRequest.newBuilder(uri("/admin/login.html")).GET());
        return answer;
    }

    static boolean succeeded(HttpResponse<String> login) {
        return login.statusCode() == 302 && login.headers().firstValue("Location").orElse("").endsWith("/admin/");
    }

    String csrf() {
        return cookies.get("XSRF-TOKEN");
    }

    /** An admin API call from the console: session cookie and, unless told otherwise, the CSRF header. */
    HttpResponse<String> api(String method, String path, String json, boolean withCsrf) {
        var builder = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (withCsrf && csrf() != null) {
            builder.header("X-XSRF-TOKEN", csrf());
        }
        return send(builder);
    }

    HttpResponse<String> api(String method, String path, String json) {
        return api(method, path, json, true);
    }

    HttpResponse<String> send(HttpRequest.Builder builder) {
        if (!cookies.isEmpty()) {
            builder.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining("; ")));
        }
        HttpResponse<String> response;
        try {
            response = http.send(builder.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        for (String setCookie : response.headers().allValues("Set-Cookie")) {
            String pair = setCookie.split(";", 2)[0];
            String name = pair.substring(0, pair.indexOf('='));
            String value = pair.substring(pair.indexOf('=') + 1);
            if (value.isEmpty() || setCookie.toLowerCase().contains("max-age=0")) {
                cookies.remove(name);
            } else {
                cookies.put(name, value);
            }
        }
        return response;
    }

    private URI uri(String path) {
        return URI.create(client.base() + path);
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
