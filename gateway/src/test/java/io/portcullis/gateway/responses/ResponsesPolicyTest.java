package io.portcullis.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Fixtures;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Policies and caps on {@code POST /v1/responses}, tried as a key holder would get around them:
 * images in input items and tool outputs, hosted tools that cost fees the gateway cannot meter,
 * output limits left out or of the wrong type, forbidden text in {@code instructions}, and
 * references to what the upstream account stores.
 */
class ResponsesPolicyTest extends ResponsesTest {

    private static final String TEXT_ONLY = "{\"name\":\"text only\",\"policy\":{\"modalities\":[\"text\"]}}";

    @Test
    void refusesAnInputImageToATextOnlyKey() {
        var key = client.createKey(TEXT_ONLY);
        int calls = scripted.count(TestGateway.RESPONSES);
        String recorded = Fixtures.text("openai/responses.input-image-url.request.json")
                .replace("\"gpt-5.4\"", "\"resp-mini\"");

        var refused = create(key, recorded);

        assertThat(assertError(refused, 403, "policy_violation").path("message").asString()).contains("image");
        assertThat(scripted.count(TestGateway.RESPONSES)).isEqualTo(calls);
        assertThat(create(key, request("resp-mini", "")).statusCode()).isEqualTo(200);
    }

    @Test
    void refusesAnImageInsideAFunctionCallOutput() {
        var key = client.createKey(TEXT_ONLY);

        var refused = create(key, """
                {"model":"resp-mini","input":[{"type":"function_call_output","call_id":"call_1","output":[\
                {"type":"input_text","text":"the screenshot"},\
                {"type":"input_image","image_url":"https://example.com/a.png"}]}]}""");

        assertError(refused, 403, "policy_violation");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":\"web_search\"}", "{\"type\":\"code_interpreter\",\"container\":{\"type\":\"auto\"}}",
            "{\"type\":\"mcp\",\"server_label\":\"x\",\"server_url\":\"https://example.com/mcp\"}"})
    void refusesAHostedToolThePolicyDoesNotList(String tool) {
        var key = client.createKey();
        int calls = scripted.count(TestGateway.RESPONSES);

        var refused = create(key, request("resp-mini", "\"tools\":[" + tool + "]"));

        String type = tool.substring(9, tool.indexOf('"', 9));
        assertThat(assertError(refused, 403, "policy_violation").path("message").asString()).contains("'" + type + "'");
        assertThat(scripted.count(TestGateway.RESPONSES)).isEqualTo(calls);
        awaitUsageRows(key.id(), 1);
        assertThat(jdbc.queryForObject("select completion_tokens from usage_event_named where key_id = ?::uuid",
                Integer.class, key.id())).isZero();
    }

    @Test
    void allowsAHostedToolThePolicyListsAndNoOther() {
        var key = client.createKey("{\"name\":\"searcher\",\"policy\":{\"hostedTools\":[\"web_search\"]}}");

        assertThat(create(key, request("resp-mini", "\"tools\":[{\"type\":\"web_search\"},"
                + "{\"type\":\"function\",\"name\":\"f\",\"parameters\":{}}]")).statusCode()).isEqualTo(200);
        // forcing another hosted tool through tool_choice is no way around the list
        assertError(create(key, request("resp-mini", "\"tools\":[{\"type\":\"web_search\"}],"
                + "\"tool_choice\":{\"type\":\"image_generation\"}")), 403, "policy_violation");
    }

    @Test
    void aKeyInATeamNeedsItsTeamToListTheHostedToolToo() {
        var team = client.admin("POST", "/admin/api/teams", "{\"name\":\"no-tools-" + System.nanoTime() + "\"}");
        assertThat(team.statusCode()).as(team.body()).isEqualTo(201);
        String teamId = GatewayClient.json(team).path("id").asString();
        var key = client.createKey("{\"name\":\"member\",\"teamId\":\"" + teamId
                + "\",\"policy\":{\"hostedTools\":[\"web_search\"]}}");

        assertError(create(key, request("resp-mini", "\"tools\":[{\"type\":\"web_search\"}]")), 403,
                "policy_violation");
    }

    @Test
    void theAdminApiKeepsHostedToolsAndRefusesWhatIsNotAToolType() {
        var key = client.createKey("{\"name\":\"searcher\",\"policy\":{\"hostedTools\":[\"web_search\",\"file_search\"]}}");
        var shown = GatewayClient.json(client.admin("GET", "/admin/api/keys/" + key.id(), null));
        assertThat(shown.at("/policy/hostedTools").toString()).isEqualTo("[\"file_search\",\"web_search\"]");
        assertThat(GatewayClient.json(client.admin("GET", "/admin/api/keys/" + client.createKey().id(), null))
                .at("/policy/hostedTools").toString()).isEqualTo("[]");

        for (String bad : new String[] {"[\"function\"]", "[\"Web Search\"]", "\"web_search\"", "[1]"}) {
            var refused = client.admin("POST", "/admin/api/keys",
                    "{\"name\":\"x\",\"policy\":{\"hostedTools\":" + bad + "}}");
            assertThat(assertError(refused, 400, "invalid_request_error").path("param").asString())
                    .as(bad).isEqualTo("policy.hostedTools");
        }
    }

    @Test
    void insertsTheCapAsMaxOutputTokensWhenTheClientSetsNone() {
        var key = client.createKey("{\"name\":\"capped\",\"limits\":{\"maxTokensPerRequest\":16}}");

        assertThat(create(key, request("resp-mini", "")).statusCode()).isEqualTo(200);

        var sent = lastUpstreamBody(TestGateway.RESPONSES);
        assertThat(sent.path("max_output_tokens").asLong()).isEqualTo(16);
        assertThat(sent.has("max_tokens")).isFalse();
        assertThat(sent.has("max_completion_tokens")).isFalse();
    }

    @Test
    void refusesMaxOutputTokensAboveTheCap() {
        var key = client.createKey("{\"name\":\"capped\",\"limits\":{\"maxTokensPerRequest\":16}}");

        assertError(create(key, request("resp-mini", "\"max_output_tokens\":100000")), 403, "policy_violation");
        assertError(create(key, request("resp-mini", "\"max_output_tokens\":10,\"max_tokens\":100000")), 403,
                "policy_violation");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"100000\"", "16.5", "0", "-1", "true", "[16]"})
    void refusesMaxOutputTokensThatIsNotAPositiveInteger(String value) {
        var key = client.createKey();
        int calls = scripted.count(TestGateway.RESPONSES);

        var refused = create(key, request("resp-mini", "\"max_output_tokens\":" + value));

        assertThat(assertError(refused, 400, "invalid_request_error").path("param").asString())
                .isEqualTo("max_output_tokens");
        assertThat(scripted.count(TestGateway.RESPONSES)).isEqualTo(calls);
    }

    @Test
    void readsDenyPatternsInInstructionsAndStringInput() {
        var key = client.createKey("{\"name\":\"rules\",\"policy\":{\"denyPatterns\":[\"nightingale\"]}}");

        assertError(create(key, request("resp-mini", "\"instructions\":\"You work on Project Nightingale\"")),
                403, "policy_violation");
        assertError(create(key, "{\"model\":\"resp-mini\",\"input\":\"Tell me about nightingale\"}"), 403,
                "policy_violation");
        assertThat(create(key, "{\"model\":\"resp-mini\",\"input\":\"Tell me about larks\"}").statusCode())
                .isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"conversation\":\"conv_123\"", "\"background\":true",
            "\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_123\"}]", "\"input\":[{\"id\":\"msg_123\"}]",
            "\"input\":42", "\"tools\":[{\"name\":\"no type\"}]", "\"store\":\"yes\"", "\"previous_response_id\":7"})
    void refusesWhatReachesIntoTheUpstreamAccountOrIsMalformed(String field) {
        var key = client.createKey();
        String body = field.startsWith("\"input\"") ? "{\"model\":\"resp-mini\"," + field + "}"
                : request("resp-mini", field);

        assertError(create(key, body), 400, "invalid_request_error");
    }
}
