package io.portcullis.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.support.TestGateway;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code gateway.data-plane.control-plane-port}: admins reach the admin API, console and actuator
 * on a port of their own, and the public port serves only the client API, whatever a client
 * writes in its request line.
 */
class SeparateControlPlanePortTest {

    private static EmbeddedPostgresServer postgres;
    private static StandaloneGateway gateway;
    private static int adminPort;

    @BeforeAll
    static void start() throws IOException {
        postgres = EmbeddedPostgresServer.ephemeral();
        try (var probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            adminPort = probe.getLocalPort();
        }
        gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of(
                "server.address", "127.0.0.1",
                "gateway.data-plane.control-plane-port", Integer.toString(adminPort)));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void theAdminApiAnswersOnTheControlPlanePortAndIsAbsentFromThePublicOne() {
        var onAdminPort = new GatewayClient(adminPort).admin("GET", "/admin/api/keys", null);
        var onPublicPort = gateway.client().admin("GET", "/admin/api/keys", null);

        assertThat(onAdminPort.statusCode()).as(onAdminPort.body()).isEqualTo(200);
        assertThat(onPublicPort.statusCode()).isEqualTo(404);
        assertThat(GatewayClient.json(onPublicPort).at("/error/code").stringValue()).isEqualTo("not_found");
    }

    @Test
    void actuatorAndConsoleAreOnlyOnTheControlPlanePort() {
        var admin = new GatewayClient(adminPort);

        assertThat(admin.get("/actuator/health/readiness", null).statusCode()).isEqualTo(200);
        assertThat(gateway.client().get("/actuator/health/readiness", null).statusCode()).isEqualTo(404);
        assertThat(gateway.client().get("/actuator/prometheus", null).statusCode()).isEqualTo(404);
        assertThat(gateway.client().get("/console", null).statusCode()).isEqualTo(404);
    }

    @Test
    void theClientApiStillAnswersOnThePublicPortIncludingThePathsTomcatServes() {
        var key = new GatewayClient(adminPort).createKey();

        var models = gateway.client().get("/v1/models", key.secret());
        var me = gateway.client().get("/v1/me", key.secret());
        var chat = gateway.client().post("/v1/chat/completions", key.secret(), GatewayClient.chat("no-such-model"));

        assertThat(models.statusCode()).as(models.body()).isEqualTo(200);
        assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
        // served by the client API (an unknown model), not the public port's 404 for unknown paths
        assertThat(chat.body()).doesNotContain("No such endpoint");
        assertThat(chat.statusCode()).isNotEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/../admin/api/keys", "/v1/%2e%2e/admin/api/keys", "/v1/models/..%2F..%2Fadmin/api/keys",
        "/v1/models;x/../../admin/api/keys", "/v1//../admin/api/keys", "http://127.0.0.1/admin/api/keys",
        "/v1/models%2F..%2F..%2Fadmin%2Fapi%2Fkeys"})
    void aRequestLineDressedAsTheClientApiNeverReachesTheAdminApiOnThePublicPort(String target) throws IOException {
        try (var raw = new RawHttp(gateway.port())) {
            var head = raw.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + TestGateway.ADMIN_TOKEN + "\r\nConnection: close\r\n\r\n").head();
            String body = raw.body(head);

            assertThat(head.status()).as(body).isIn(400, 404);
            assertThat(body).doesNotContain("\"keys\"").doesNotContain("\"data\"");
        }
    }
}
