package io.portcullis.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.Fixtures;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.Test;

/**
 * Stored responses belong to the key that created them. Tried as another key holder would: read,
 * list the input of, delete or continue someone else's response by its id; invent ids; ask for
 * a response that was never stored.
 */
class StoredResponseOwnershipTest extends ResponsesTest {

    @Test
    void theOwnerReadsListsAndDeletesItsResponse() {
        var owner = client.createKey();
        String id = created(owner);

        var read = call("GET", "/v1/responses/" + id, owner);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(GatewayClient.json(read).path("id").asString()).isEqualTo(id);
        var items = call("GET", "/v1/responses/" + id + "/input_items?limit=10&order=asc&api-key=x&a/b=c", owner);
        assertThat(items.statusCode()).as(items.body()).isEqualTo(200);
        // known parameters pass, anything else is dropped
        assertThat(GatewayClient.json(items).path("query").asString()).isEqualTo("limit=10&order=asc");
        assertThat(scripted.header(TestGateway.RESPONSES, "authorization")).isNull(); // never the client's key

        assertThat(call("DELETE", "/v1/responses/" + id, owner).statusCode()).isEqualTo(200);
        assertThat(FAKE.holds(id)).isFalse();
        int calls = scripted.count(TestGateway.RESPONSES);
        assertError(call("GET", "/v1/responses/" + id, owner), 404, "not_found");
        assertThat(scripted.count(TestGateway.RESPONSES)).isEqualTo(calls);
    }

    @Test
    void anotherKeyGetsNotFoundOnEveryRouteWithoutABackendCall() {
        var owner = client.createKey();
        var other = client.createKey();
        String id = created(owner);
        int calls = scripted.count(TestGateway.RESPONSES);

        assertError(call("GET", "/v1/responses/" + id, other), 404, "not_found");
        assertError(call("GET", "/v1/responses/" + id + "/input_items", other), 404, "not_found");
        assertError(call("DELETE", "/v1/responses/" + id, other), 404, "not_found");

        assertThat(scripted.count(TestGateway.RESPONSES)).isEqualTo(calls);
        assertThat(FAKE.holds(id)).isTrue();
        assertThat(call("GET", "/v1/responses/" + id, owner).statusCode()).isEqualTo(200);
    }

    @Test
    void anotherKeysResponseIsRefusedAsPreviousResponseIdBeforeAnyBackendCall() {
        var owner = client.createKey();
        var other = client.createKey();
        String id = created(owner);
        int calls = scripted.count(TestGateway.RESPONSES);

        var refused = create(other, request("resp-mini", "\"previous_response_id\":\"" + id + "\""));

        assertThat(assertError(refused, 404, "not_found").path("param").asString()).isEqualTo("previous_response_id");
        assertThat(scripted.count(TestGateway.RESPONSES)).isEqualTo(calls);
        awaitUsageRows(other.id(), 1);
        assertThat(jdbc.queryForObject("select completion_tokens from usage_event_named where key_id = ?::uuid",
                Integer.class, other.id())).isZero();

        var continued = create(owner, request("resp-mini", "\"previous_response_id\":\"" + id + "\""));
        assertThat(continued.statusCode()).as(continued.body()).isEqualTo(200);
        assertThat(lastUpstreamBody(TestGateway.RESPONSES).path("previous_response_id").asString()).isEqualTo(id);
    }

    @Test
    void idsTheGatewayNeverSawCreatedAreNotFoundWithoutABackendCall() {
        var key = client.createKey();
        int calls = scripted.count(TestGateway.RESPONSES);

        for (String invented : new String[] {"resp_invented", "resp_012716c47e5818750068c9ef3acb74819590c9bfdd9025e969",
                "resp_1%20x", "resp_" + "x".repeat(300)}) {
            assertError(call("GET", "/v1/responses/" + invented, key), 404, "not_found");
            assertError(create(key, request("resp-mini", "\"previous_response_id\":\"" + invented + "\"")), 404,
                    "not_found");
        }
        for (String path : new String[] {"..", "resp_1;drop", "resp_1%2F..%2F..%2Fresponses", "%2e%2e"}) {
            assertThat(call("GET", "/v1/responses/" + path, key).statusCode()).as(path).isIn(400, 404);
            assertError(create(key, request("resp-mini", "\"previous_response_id\":\"" + path + "\"")), 404,
                    "not_found");
        }
        assertThat(scripted.count(TestGateway.RESPONSES)).isEqualTo(calls);
    }

    @Test
    void aStreamedResponseBelongsToItsKeyFromResponseCreated() {
        var owner = client.createKey();
        var other = client.createKey();
        var answer = create(owner, Fixtures.text("openai/responses-stream.text.request.json")
                .replace("\"gpt-4o-mini\"", "\"resp-mini\""));
        String created = answer.body().lines().filter(l -> l.contains("\"response.created\"")).findFirst()
                .orElseThrow();
        String id = GatewayClient.JSON.readTree(created.substring(6)).at("/response/id").asString();

        assertThat(call("GET", "/v1/responses/" + id, owner).statusCode()).isEqualTo(200);
        assertError(call("GET", "/v1/responses/" + id, other), 404, "not_found");
    }

    @Test
    void aResponseNotStoredBelongsToNobody() {
        var key = client.createKey();
        var answer = create(key, request("resp-mini", "\"store\":false"));
        assertThat(answer.statusCode()).isEqualTo(200);
        String id = GatewayClient.json(answer).path("id").asString();

        assertError(call("GET", "/v1/responses/" + id, key), 404, "not_found");
        assertThat(jdbc.queryForObject("select count(*) from stored_response where response_id = ?", Integer.class, id))
                .isZero();
    }

    @Test
    void aPreviousResponseOnABackendThatDoesNotServeTheModelIsRefused() {
        var key = client.createKey();
        String id = created(key);
        int calls = scripted.count(TestGateway.RESPONSES_OTHER);

        var refused = create(key, request("resp-other", "\"previous_response_id\":\"" + id + "\""));

        assertThat(assertError(refused, 400, "invalid_request_error").path("param").asString())
                .isEqualTo("previous_response_id");
        assertThat(scripted.count(TestGateway.RESPONSES_OTHER)).isEqualTo(calls);
    }

    @Test
    void storedResponseRoutesNeedAKeyAndTheirOwnMethods() {
        var key = client.createKey();
        String id = created(key);

        assertError(call("GET", "/v1/responses/" + id, null), 401, "invalid_api_key");
        assertThat(call("POST", "/v1/responses/" + id, key).statusCode()).isEqualTo(405);
        assertThat(call("DELETE", "/v1/responses/" + id + "/input_items", key).statusCode()).isEqualTo(405);
        assertError(call("GET", "/v1/responses/" + id + "/other", key), 404, "not_found");
        assertThat(call("GET", "/v1/responses", key).statusCode()).isEqualTo(405);
    }
}
