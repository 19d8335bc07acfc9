package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.support.TestGateway;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Where a managed backend may point: a base URL that is a plain URL (no user info, query,
 * fragment or climbing path) and a host that {@code gateway.upstream.allowed-hosts} allows, never
 * the cloud metadata service, loopback nobody listed, or the gateway itself.
 */
class ManagedBackendDestinationsTest extends GatewayIntegrationTest {

    private final ScriptedBackend scripted = TestGateway.backend();

    private HttpResponse<String> create(GatewayClient client, String name, String baseUrl) {
        return client.admin("POST", "/admin/api/backends", """
                {"name":"%s","baseUrl":"%s","apiKey":"sk-must-not-travel","models":["%s-model"]}"""
                .formatted(name, baseUrl, name));
    }

    private void assertRefusedNamingBaseUrl(HttpResponse<String> answer, String name, String why) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        assertThat(GatewayClient.json(answer).at("/error/param").stringValue()).isEqualTo("baseUrl");
        assertThat(GatewayClient.json(answer).at("/error/message").stringValue()).as(answer.body()).contains(why);
        assertThat(jdbc.queryForObject("select count(*) from managed_backend where name = ?", Integer.class, name))
                .isZero();
    }

    @Test
    void refusesABaseUrlThatWouldChooseAnotherHostOrPath() {
        String origin = "http://127.0.0.1:" + java.net.URI.create(scripted.baseUrl("x")).getPort();

        assertRefusedNamingBaseUrl(create(client, "userinfo", "http://admin@127.0.0.1:9/v1"), "userinfo", "user info");
        assertRefusedNamingBaseUrl(create(client, "query", origin + "/internal/v1?x="), "query", "query");
        assertRefusedNamingBaseUrl(create(client, "fragment", origin + "/v1#frag"), "fragment", "fragment");
        assertRefusedNamingBaseUrl(create(client, "climbing", origin + "/v1/../admin"), "climbing", "'..'");
        assertRefusedNamingBaseUrl(create(client, "encoded", origin + "/v1/%2E%2E/admin"), "encoded", "'..'");
        assertRefusedNamingBaseUrl(create(client, "gopher", "gopher://127.0.0.1:9/"), "gopher", "http(s)");
        assertThat(scripted.count("internal") + scripted.count("admin")).isZero();
    }

    @Test
    void refusesTheCloudMetadataServiceLoopbackNobodyListedAndUnspecifiedAddresses() {
        assertRefusedNamingBaseUrl(create(client, "metadata", "http://169.254.169.254/"), "metadata",
                "169.254.169.254");
        assertRefusedNamingBaseUrl(create(client, "ipv6-loopback", "http://[::1]/"), "ipv6-loopback", "::1");
        assertRefusedNamingBaseUrl(create(client, "unspecified", "http://0.0.0.0:" + 11434 + "/v1"), "unspecified",
                "0.0.0.0");
    }

    @Test
    void refusesTheGatewayItselfEvenWithLoopbackListed() {
        assertRefusedNamingBaseUrl(create(client, "self", "http://127.0.0.1:" + port + "/"), "self",
                "this gateway itself");
        assertRefusedNamingBaseUrl(create(client, "self-by-name", "http://localhost:" + port + "/"), "self-by-name",
                "localhost");
    }

    @Test
    void acceptsTheListedLoopbackFakeAndStoresItsNormalisedUrl() {
        var answer = create(client, "listed-fake", scripted.baseUrl("listed-fake") + "/");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        assertThat(GatewayClient.json(answer).get("baseUrl").stringValue()).isEqualTo(scripted.baseUrl("listed-fake"));
    }

    @Test
    void refusesTheSameLoopbackFakeWhenAllowedHostsDoesNotListIt() {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var unlisted = StandaloneGateway.start(postgres.jdbcUrl(), Map.of(), Set.of(TestGateway.ALLOWED_HOSTS))) {
            var answer = create(unlisted.client(), "unlisted-fake", scripted.baseUrl("unlisted-fake"));

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
            assertThat(GatewayClient.json(answer).at("/error/param").stringValue()).isEqualTo("baseUrl");
            assertThat(GatewayClient.json(answer).at("/error/message").stringValue()).contains("loopback");
            // configured backends on the same loopback address still serve: operator configuration is trusted
            var key = unlisted.client().createKey();
            assertThat(unlisted.client().post("/v1/chat/completions", key.secret(), GatewayClient.chat("split"))
                    .statusCode()).isEqualTo(200);
        }
    }
}
