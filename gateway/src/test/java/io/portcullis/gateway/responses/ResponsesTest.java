package io.portcullis.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Fixtures;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import tools.jackson.databind.JsonNode;

/**
 * Base of the Responses API tests: model {@code resp-mini} on the scripted deployment
 * {@value TestGateway#RESPONSES} and {@code resp-other} on {@value TestGateway#RESPONSES_OTHER},
 * both answering from recorded Responses API payloads ({@link ResponsesApiFake}).
 */
abstract class ResponsesTest extends GatewayIntegrationTest {

    /** One fake for both deployments: it keeps every response it created, wherever. */
    protected static final ResponsesApiFake FAKE = new ResponsesApiFake();
    protected final ScriptedBackend scripted = TestGateway.backend();

    @BeforeEach
    void scriptResponsesApi() {
        scripted.script(TestGateway.RESPONSES, FAKE);
        scripted.script(TestGateway.RESPONSES_OTHER, FAKE);
    }

    /** The recorded text request, sent for {@code model}, with extra fields. */
    protected static String request(String model, String extra) {
        String recorded = Fixtures.text("openai/responses.text.request.json").replace("\"gpt-4o-mini\"",
                "\"" + model + "\"");
        return extra.isEmpty() ? recorded : recorded.substring(0, recorded.length() - 1) + "," + extra + "}";
    }

    protected HttpResponse<String> create(GatewayClient.Key key, String body) {
        return client.post("/v1/responses", key.secret(), body);
    }

    /** Creates a response for the key and returns its id. */
    protected String created(GatewayClient.Key key) {
        var answer = create(key, request("resp-mini", ""));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return GatewayClient.json(answer).path("id").asString();
    }

    protected HttpResponse<String> call(String method, String path, GatewayClient.Key key) {
        var builder = HttpRequest.newBuilder(URI.create(client.base() + path)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (key != null) {
            builder.header("Authorization", "Bearer " + key.secret());
        }
        return client.send(builder.build());
    }

    /** The last body a scripted deployment received, parsed. */
    protected JsonNode lastUpstreamBody(String deployment) {
        var bodies = scripted.bodies(deployment);
        assertThat(bodies).isNotEmpty();
        return GatewayClient.JSON.readTree(bodies.getLast());
    }

    protected Map<String, Object> ledgerRow(GatewayClient.Key key) {
        awaitUsageRows(key.id(), 1);
        return jdbc.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
    }

    protected static JsonNode assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = GatewayClient.json(response).path("error");
        assertThat(error.path("code").asString()).isEqualTo(code);
        return error;
    }
}
