package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Who may change backends and what a change leaves behind: only an admin, each change audited
 * without the upstream key, and a stored key never follows a backend to another origin.
 */
class BackendChangesTest extends GatewayIntegrationTest {

    private static final ScriptedBackend ELSEWHERE = new ScriptedBackend(); // another port: another origin
    private final ScriptedBackend scripted = TestGateway.backend();

    @AfterAll
    static void stopElsewhere() {
        ELSEWHERE.close();
    }

    private String token(String role) {
        String username = "backends-" + role + "-" + Long.toString(System.nanoTime(), 36);
        var account = client.admin("POST", "/admin/api/accounts", """
                {"username":"%s","password":"correct horse battery staple","role":"%s"}""".formatted(username, role));
        assertThat(account.statusCode()).as(account.body()).isEqualTo(201);
        var token = client.admin("POST", "/admin/api/tokens", """
                {"name":"script","accountId":"%s"}""".formatted(GatewayClient.json(account).get("id").stringValue()));
        assertThat(token.statusCode()).as(token.body()).isEqualTo(201);
        return GatewayClient.json(token).get("token").stringValue();
    }

    private HttpResponse<String> call(String token, String method, String path, String json) {
        return client.send(HttpRequest.newBuilder(URI.create(client.base() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private int rows(String name) {
        return jdbc.queryForObject("select count(*) from managed_backend where name = ?", Integer.class, name);
    }

    @Test
    void anOperatorCannotAddABackendThatCapturesAModel() {
        var key = client.createKey();
        String operator = token("operator");

        var answer = call(operator, "POST", "/admin/api/backends", """
                {"name":"capture","baseUrl":"%s","models":["split"],"priority":0,"weight":1000}"""
                .formatted(scripted.baseUrl("capture")));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(403);
        assertThat(GatewayClient.json(answer).at("/error/code").stringValue()).isEqualTo("forbidden");
        assertThat(rows("capture")).isZero();
        for (int i = 0; i < 8; i++) {
            assertThat(client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("split")).statusCode())
                    .isEqualTo(200);
        }
        assertThat(scripted.count("capture")).isZero();
    }

    @Test
    void anOperatorCannotRepointOrDeleteAnAdminsBackend() {
        assertThat(client.admin("POST", "/admin/api/backends", """
                {"name":"kept","baseUrl":"%s","apiKey":"sk-kept","models":["kept-model"]}"""
                .formatted(scripted.baseUrl("kept"))).statusCode()).isEqualTo(201);
        String operator = token("operator");

        var moved = call(operator, "PUT", "/admin/api/backends/kept", """
                {"name":"kept","baseUrl":"%s","models":["kept-model"]}""".formatted(ELSEWHERE.baseUrl("kept")));
        var deleted = call(operator, "DELETE", "/admin/api/backends/kept", null);

        assertThat(moved.statusCode()).isEqualTo(403);
        assertThat(deleted.statusCode()).isEqualTo(403);
        assertThat(jdbc.queryForObject("select base_url from managed_backend where name = 'kept'", String.class))
                .isEqualTo(scripted.baseUrl("kept"));
        assertThat(call(operator, "GET", "/admin/api/backends", null).statusCode()).isEqualTo(200);
    }

    @Test
    void anAdminMovingABackendToAnotherHostMustGiveItsKeyAgain() {
        var key = client.createKey();
        assertThat(client.admin("POST", "/admin/api/backends", """
                {"name":"moving","baseUrl":"%s","apiKey":"sk-old-origin","models":["moving-model"]}"""
                .formatted(scripted.baseUrl("moving"))).statusCode()).isEqualTo(201);

        var refused = client.admin("PUT", "/admin/api/backends/moving", """
                {"name":"moving","baseUrl":"%s","models":["moving-model"]}""".formatted(ELSEWHERE.baseUrl("moving")));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(GatewayClient.json(refused).at("/error/param").stringValue()).isEqualTo("apiKey");
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("moving-model")).statusCode() == 200);
        assertThat(ELSEWHERE.count("moving")).isZero();
        assertThat(scripted.header("moving", "authorization")).isEqualTo("Bearer sk-old-origin");

        var moved = client.admin("PUT", "/admin/api/backends/moving", """
                {"name":"moving","baseUrl":"%s","apiKey":"sk-new-origin","models":["moving-model"]}"""
                .formatted(ELSEWHERE.baseUrl("moving")));

        assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() ->
                client.post("/v1/chat/completions", key.secret(), GatewayClient.chat("moving-model")).statusCode() == 200
                        && ELSEWHERE.count("moving") > 0);
        assertThat(ELSEWHERE.header("moving", "authorization")).isEqualTo("Bearer sk-new-origin");
    }

    @Test
    void keepsTheKeyWhenOnlyThePathChanges() {
        assertThat(client.admin("POST", "/admin/api/backends", """
                {"name":"repathed","baseUrl":"%s","apiKey":"sk-same-origin","models":["repathed-model"]}"""
                .formatted(scripted.baseUrl("repathed"))).statusCode()).isEqualTo(201);

        var answer = client.admin("PUT", "/admin/api/backends/repathed", """
                {"name":"repathed","baseUrl":"%s","models":["repathed-model"]}"""
                .formatted(scripted.baseUrl("repathed") + "/beta"));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(GatewayClient.json(answer).get("hasApiKey").booleanValue()).isTrue();
    }

    @Test
    void auditsEveryChangeWithoutTheKeySealedOrNot() {
        String name = "audited-" + Long.toString(System.nanoTime(), 36);
        String secret = "sk-audit-secret-" + name;
        client.admin("POST", "/admin/api/backends", """
                {"name":"%s","baseUrl":"%s","apiKey":"%s","models":["%s-model"]}"""
                .formatted(name, scripted.baseUrl("audited"), secret, name));
        byte[] sealed = jdbc.queryForObject("select api_key_sealed from managed_backend where name = ?", byte[].class,
                name);
        client.admin("PUT", "/admin/api/backends/" + name, """
                {"name":"%s","baseUrl":"%s","models":["%s-model"],"weight":7}"""
                .formatted(name, scripted.baseUrl("audited"), name));
        assertThat(client.admin("DELETE", "/admin/api/backends/" + name, null).statusCode()).isEqualTo(204);

        List<Map<String, Object>> entries = jdbc.queryForList("""
                select actor, action, before_json, after_json from audit_event
                where target_type = 'backend' and target_id = ? order by seq""", name);

        assertThat(entries).extracting(e -> e.get("action"))
                .containsExactly("backend.create", "backend.update", "backend.delete");
        assertThat(entries.get(1).get("before_json").toString()).contains("\"weight\":1", "\"hasApiKey\":true");
        assertThat(entries.get(1).get("after_json").toString()).contains("\"weight\":7");
        assertThat(entries.get(2).get("after_json")).isNull();
        String all = entries.toString();
        assertThat(all).doesNotContain(secret).doesNotContain("apiKey\"")
                .doesNotContain(HexFormat.of().formatHex(sealed))
                .doesNotContain(java.util.Base64.getEncoder().encodeToString(sealed));
        assertThat(client.admin("GET", "/admin/api/audit/verify", null).body()).contains("\"valid\":true");
    }

    @Test
    void auditsNothingAndStoresNothingForARefusedChange() {
        long before = jdbc.queryForObject("select count(*) from audit_event where target_type = 'backend'", Long.class);

        client.admin("POST", "/admin/api/backends", """
                {"name":"w1","baseUrl":"%s","models":["x"]}""".formatted(scripted.baseUrl("w1")));
        client.admin("POST", "/admin/api/backends", """
                {"name":"metadata","baseUrl":"http://169.254.169.254/","models":["x"]}""");
        client.admin("PUT", "/admin/api/backends/nobody", """
                {"name":"nobody","baseUrl":"%s","models":["x"]}""".formatted(scripted.baseUrl("nobody")));

        assertThat(jdbc.queryForObject("select count(*) from audit_event where target_type = 'backend'", Long.class))
                .isEqualTo(before);
        assertThat(rows("metadata") + rows("nobody")).isZero();
    }
}
