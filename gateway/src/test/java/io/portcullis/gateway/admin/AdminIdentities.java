package io.portcullis.gateway.admin;

import io.portcullis.gateway.support.GatewayClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Creates console accounts and personal tokens through the admin API, with the bootstrap token. */
final class AdminIdentities {

    static final String PASSWORD = "correct horse battery staple";

    private AdminIdentities() {
    }

    /** A fresh account of that role (unique name), with its id. */
    record Account(String id, String username) {
    }

    static Account account(GatewayClient client, String role) {
        String username = role + "-" + Long.toString(System.nanoTime(), 36);
        var created = client.admin("POST", "/admin/api/accounts",
                "{\"username\":\"" + username + "\",\"password\":\"" + PASSWORD + "\",\"role\":\"" + role + "\"}");
        if (created.statusCode() != 201) {
            throw new AssertionError("account creation failed: " + created.statusCode() + " " + created.body());
        }
        return new Account(GatewayClient.json(created).get("id").stringValue(), username);
    }

    /** A personal admin token acting for a fresh account of that role. */
    static String token(GatewayClient client, String role) {
        var account = account(client, role);
        var created = client.admin("POST", "/admin/api/tokens",
                "{\"name\":\"" + role + " script\",\"accountId\":\"" + account.id() + "\"}");
        if (created.statusCode() != 201) {
            throw new AssertionError("token creation failed: " + created.statusCode() + " " + created.body());
        }
        return GatewayClient.json(created).get("token").stringValue();
    }

    static HttpResponse<String> call(GatewayClient client, String method, String path, String token, String json) {
        var builder = HttpRequest.newBuilder(URI.create(client.base() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return client.send(builder.build());
    }
}
