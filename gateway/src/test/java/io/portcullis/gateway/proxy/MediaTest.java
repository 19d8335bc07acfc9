package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.Multipart;
import io.portcullis.gateway.support.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import tools.jackson.databind.JsonNode;

/** Shared steps of the audio, image and moderation endpoint tests (deployment {@link TestGateway#MEDIA}). */
abstract class MediaTest extends GatewayIntegrationTest {

    @AfterEach
    void resetMedia() {
        TestGateway.resetScripts();
    }

    HttpResponse<String> upload(String path, String key, Multipart form) {
        return client.send(form.request(client.base() + path, key));
    }

    HttpResponse<String> raw(String path, String key, String contentType, byte[] body) {
        var builder = HttpRequest.newBuilder(URI.create(client.base() + path))
                .header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        return client.send(builder.build());
    }

    /** The one ledger row of a key, once written. */
    Map<String, Object> ledgerRow(GatewayClient.Key key) {
        awaitUsageRows(key.id(), 1);
        return jdbc.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
    }

    static void assertError(HttpResponse<String> answer, int status, String code) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        JsonNode error = GatewayClient.json(answer).get("error");
        assertThat(error).as(answer.body()).isNotNull();
        assertThat(error.get("code").asString()).isEqualTo(code);
        assertThat(error.get("message").asString()).isNotBlank();
    }

    static String lastBody(String deployment) {
        var bodies = TestGateway.backend().bodies(deployment);
        assertThat(bodies).isNotEmpty();
        return bodies.getLast();
    }
}
