package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Backends added, changed and removed through {@code /admin/api/backends} while the gateway runs. */
class ManagedBackendsTest extends GatewayIntegrationTest {

    private final ScriptedBackend scripted = TestGateway.backend();

    @Autowired
    UpstreamKeySealer sealer;

    @Autowired
    JdbcBackendStore store;

    private String backend(String name, String model, String extra) {
        return """
                {"name":"%s","baseUrl":"%s","models":["%s"]%s}""".formatted(name, scripted.baseUrl(name), model, extra);
    }

    @Test
    void routesToABackendAddedAtRunTimeWithItsKeySealedInTheDatabase() {
        var key = client.createKey();

        var created = client.admin("POST", "/admin/api/backends",
                backend("managed-a", "managed-a-model", ",\"apiKey\":\"sk-managed-secret-a\",\"weight\":2"));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).doesNotContain("sk-managed-secret-a").contains("\"hasApiKey\":true");
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("managed-a-model")).statusCode() == 200);
        assertThat(scripted.header("managed-a", "authorization")).isEqualTo("Bearer sk-managed-secret-a");
        byte[] stored = jdbc.queryForObject("select api_key_sealed from managed_backend where name = 'managed-a'",
                byte[].class);
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("sk-managed-secret-a");
        var listed = client.admin("GET", "/admin/api/backends", null).body();
        assertThat(listed).contains("\"backend\":\"managed-a\",\"source\":\"admin\"").doesNotContain("sk-managed");
    }

    @Test
    void stopsRoutingToABackendDeletedAtRunTime() {
        var key = client.createKey();
        assertThat(client.admin("POST", "/admin/api/backends", backend("managed-b", "managed-b-model", ""))
                .statusCode()).isEqualTo(201);
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("managed-b-model")).statusCode() == 200);

        assertThat(client.admin("DELETE", "/admin/api/backends/managed-b", null).statusCode()).isEqualTo(204);

        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("managed-b-model")).statusCode() == 404);
        assertThat(client.admin("DELETE", "/admin/api/backends/managed-b", null).statusCode()).isEqualTo(404);
    }

    @Test
    void keepsTheStoredKeyWhenAReplacementLeavesItOut() {
        var key = client.createKey();
        client.admin("POST", "/admin/api/backends", backend("managed-c", "managed-c-model", ",\"apiKey\":\"sk-c\""));

        var replaced = client.admin("PUT", "/admin/api/backends/managed-c",
                backend("managed-c", "managed-c-renamed", ",\"priority\":2"));

        assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
        assertThat(GatewayClient.json(replaced).get("hasApiKey").booleanValue()).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("managed-c-renamed")).statusCode() == 200);
        assertThat(scripted.header("managed-c", "authorization")).isEqualTo("Bearer sk-c");
    }

    @Test
    void refusesToChangeABackendFromConfiguration() {
        var answer = client.admin("DELETE", "/admin/api/backends/w1", null);

        assertThat(answer.statusCode()).isEqualTo(409);
        assertThat(GatewayClient.json(answer).at("/error/code").stringValue()).isEqualTo("backend_from_configuration");
        assertThat(client.admin("POST", "/admin/api/backends", backend("w1", "x", "")).statusCode()).isEqualTo(409);
    }

    @Test
    void refusesAnInvalidBackendWith400() {
        var answer = client.admin("POST", "/admin/api/backends", """
                {"name":"bad","baseUrl":"ftp://nowhere","models":["m"]}""");

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(GatewayClient.json(answer).at("/error/param").stringValue()).isEqualTo("baseUrl");
        assertThat(GatewayClient.json(answer).at("/error/message").stringValue()).contains("'baseUrl'");
    }

    @Test
    void keepsServingAKeySealedBeforeKeysWereBoundToTheirUrlAndSealsItAgain() {
        var key = client.createKey();
        String url = scripted.baseUrl("legacy");
        // the row as the previous release wrote it: key bound to the backend name only
        jdbc.update("""
                insert into managed_backend (name, type, base_url, api_key_sealed, models)
                values ('legacy', 'openai', ?, ?, '{legacy-model}')""", url,
                sealer.sealBoundToNameOnly("legacy", "sk-legacy"));
        jdbc.query("select pg_notify(?, 'legacy')", rs -> null, JdbcBackendStore.CHANNEL);

        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("legacy-model")).statusCode() == 200);
        assertThat(scripted.header("legacy", "authorization")).isEqualTo("Bearer sk-legacy");

        assertThat(store.resealLegacy()).isEqualTo(1);

        byte[] resealed = jdbc.queryForObject("select api_key_sealed from managed_backend where name = 'legacy'",
                byte[].class);
        assertThat(UpstreamKeySealer.isLegacy(resealed)).isFalse();
        assertThat(sealer.open("legacy", URI.create(url), resealed)).isEqualTo("sk-legacy");
        assertThat(store.find("legacy").orElseThrow().apiKey()).isEqualTo("sk-legacy");
        assertThat(store.resealLegacy()).isZero();
    }

    @Test
    void leavesOutARowWhoseUrlWasChangedBehindTheAdminApi() {
        client.admin("POST", "/admin/api/backends", backend("tampered", "tampered-model", ",\"apiKey\":\"sk-t\""));

        // a database writer points the row elsewhere; the sealed key must not follow it there
        jdbc.update("update managed_backend set base_url = ? where name = 'tampered'", "http://127.0.0.1:9/v1");

        assertThat(store.find("tampered")).isEmpty();
        assertThat(store.list()).extracting(b -> b.name()).doesNotContain("tampered");
        var replaced = client.admin("PUT", "/admin/api/backends/tampered", backend("tampered", "tampered-model", ""));
        assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(400);
        assertThat(GatewayClient.json(replaced).at("/error/param").stringValue()).isEqualTo("apiKey");
    }
}
