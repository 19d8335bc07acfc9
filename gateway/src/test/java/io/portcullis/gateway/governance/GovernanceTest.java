package io.portcullis.gateway.governance;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.gateway.support.ScriptedBackend;
import io.portcullis.gateway.support.TestGateway;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import tools.jackson.databind.JsonNode;

/**
 * Base of the attack tests on governance: a key holder trying to get answers unbilled or limits
 * skipped, against the scripted deployments {@code leak} (OpenAI-compatible: models
 * {@code leak-chat}, {@code leak-embed}) and {@code leak-claude} (Anthropic), whose answers each
 * test scripts as a misbehaving backend would.
 */
abstract class GovernanceTest extends GatewayIntegrationTest {

    protected final ScriptedBackend scripted = TestGateway.backend();

    @AfterEach
    void resetBackends() {
        TestGateway.resetScripts();
    }

    /** The key's one ledger row, once the asynchronous writer has stored it. */
    protected Map<String, Object> ledgerRow(GatewayClient.Key key) {
        awaitUsageRows(key.id(), 1);
        return jdbc.queryForMap("select * from usage_event_named where key_id = ?::uuid", key.id());
    }

    /** The last body the scripted deployment received, parsed. */
    protected JsonNode lastUpstreamBody(String deployment) {
        var bodies = scripted.bodies(deployment);
        assertThat(bodies).isNotEmpty();
        return GatewayClient.JSON.readTree(bodies.getLast());
    }

    protected static JsonNode assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = GatewayClient.json(response).path("error");
        assertThat(error.path("code").asString()).isEqualTo(code);
        return error;
    }

    protected static String chat(String model, String extra) {
        return "{\"model\":\"" + model + "\"," + (extra.isEmpty() ? "" : extra + ",")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say something long\"}]}";
    }
}
