package io.portcullis.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.Multipart;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.support.TestGateway;
import io.portcullis.gateway.web.RelaySecret;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The relay in front of a gateway that trusts a proxy on 127.0.0.1, so Spring Boot has put
 * Tomcat's {@code RemoteIpValve} in the pipeline: the front door has already weighed
 * {@code X-Forwarded-For}, so Tomcat must not weigh it again for relayed requests, while still
 * doing so for anything that reaches its port directly. Also carries an upload of several MiB,
 * which the shared test gateway's 1 MB upload limit would refuse.
 */
class RelayBehindTrustedProxiesTest {

    private static final long UPLOAD = 6L * 1024 * 1024;

    private static EmbeddedPostgresServer postgres;
    private static StandaloneGateway gateway;
    private static RelayFrontDoor door;

    @BeforeAll
    static void start() {
        postgres = EmbeddedPostgresServer.ephemeral();
        gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of(
                "server.address", "127.0.0.1",
                "gateway.trusted-proxies", "127.0.0.1/32",
                "gateway.max-upload-bytes", "16MB"));
        // the gateway's own data plane owns its port; this test's front door relays to its Tomcat
        door = new RelayFrontDoor(new ControlPlaneRelay(gateway.context().getBean(ControlPlaneAddress.class),
                gateway.context().getBean(RelaySecret.class)));
    }

    @AfterAll
    static void stop() {
        if (door != null) {
            door.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aRelayedRequestsForwardedForIsNotWeighedASecondTime() {
        var office = gateway.client().createKey(
                "{\"name\":\"office\",\"policy\":{\"allowedCidrs\":[\"203.0.113.0/24\"]}}");
        var relayed = new GatewayClient(door.port());

        // the front door found no one behind its trusted proxy 127.0.0.1: that proxy is the client
        door.clientAddress = "127.0.0.1";
        var relayedForged = relayed.send(chat(relayed, office.secret(), "203.0.113.7"));
        door.clientAddress = "203.0.113.7";
        var relayedDecided = relayed.send(chat(relayed, office.secret(), null));
        // the same header straight to the gateway from its trusted proxy is believed there (by its data plane)
        var direct = gateway.client().send(chat(gateway.client(), office.secret(), "203.0.113.7"));

        assertThat(relayedForged.statusCode()).isEqualTo(403);
        assertThat(relayedDecided.statusCode()).as(relayedDecided.body()).isEqualTo(200);
        assertThat(direct.statusCode()).as(direct.body()).isEqualTo(200);
    }

    @Test
    void relaysAnUploadOfSeveralMebibytesWhole() {
        var relayed = new GatewayClient(door.port());
        door.clientAddress = null;
        var key = relayed.createKey();
        var form = new Multipart()
                .file("file", "meeting.mp3", "audio/mpeg", audio())
                .field("model", "big-whisper")
                .field("response_format", "json");

        var answer = relayed.send(form.request(relayed.base() + "/v1/audio/transcriptions", key.secret()));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(TestGateway.backend().sunkBytes(TestGateway.MEDIA_SINK)).isBetween(UPLOAD, UPLOAD + 2048);
    }

    private static byte[] audio() {
        byte[] bytes = new byte[(int) UPLOAD];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        return bytes;
    }

    private static HttpRequest chat(GatewayClient gateway, String key, String forwardedFor) {
        var builder = HttpRequest.newBuilder(URI.create(gateway.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.chat("fake-chat")));
        if (forwardedFor != null) {
            builder.header("X-Forwarded-For", forwardedFor);
        }
        return builder.build();
    }

    /**
     * Behind a TLS-terminating proxy the console's redirects must say https: the data plane decides
     * the scheme from its trusted proxy's {@code X-Forwarded-Proto} and Tomcat believes it only
     * through the relay (before, Tomcat's RemoteIpValve read the header itself).
     */
    @Test
    void aTrustedProxysForwardedProtoReachesTheControlPlaneThroughTheRelay() {
        var gateway = RelayBehindTrustedProxiesTest.gateway.client();

        var behindTls = gateway.send(HttpRequest.newBuilder(URI.create(gateway.base() + "/admin/"))
                .header("X-Forwarded-Proto", "https").GET().build());
        var plain = gateway.send(HttpRequest.newBuilder(URI.create(gateway.base() + "/admin/")).GET().build());

        assertThat(behindTls.statusCode()).isEqualTo(302);
        assertThat(behindTls.headers().firstValue("Location")).hasValueSatisfying(
                location -> assertThat(location).startsWith("https://"));
        assertThat(plain.headers().firstValue("Location")).hasValueSatisfying(
                location -> assertThat(location).startsWith("http://"));
    }
}
