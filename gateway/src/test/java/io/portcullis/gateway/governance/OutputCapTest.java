package io.portcullis.gateway.governance;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A key with {@code maxTokensPerRequest: 16}, tried as its holder would to get more output:
 * no limit at all, a limit of the wrong type, two limit fields, server-specific length knobs,
 * many choices. The cap must reach the backend, or the request must be refused.
 */
class OutputCapTest extends GovernanceTest {

    private GatewayClient.Key key;

    @BeforeEach
    void cappedKey() {
        key = client.createKey("{\"name\":\"capped\",\"limits\":{\"maxTokensPerRequest\":16}}");
    }

    @Test
    void sendsTheCapUpstreamWhenTheClientSetsNoLimit() {
        var answer = client.post("/v1/chat/completions", key.secret(), chat("leak-chat", ""));

        assertThat(answer.statusCode()).isEqualTo(200);
        var sent = lastUpstreamBody(TestGateway.LEAK);
        assertThat(sent.path("max_completion_tokens").asLong()).isEqualTo(16);
        assertThat(sent.has("max_tokens")).isFalse();
    }

    @Test
    void sendsTheCapAsMaxTokensOnCompletions() {
        var answer = client.post("/v1/completions", key.secret(), "{\"model\":\"leak-chat\",\"prompt\":\"Once upon\"}");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(lastUpstreamBody(TestGateway.LEAK).path("max_tokens").asLong()).isEqualTo(16);
    }

    @Test
    void sendsTheCapToAnAnthropicBackendInsteadOfTheDefault() {
        var answer = client.post("/v1/chat/completions", key.secret(), chat("leak-claude", ""));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(lastUpstreamBody(TestGateway.LEAK_CLAUDE).path("max_tokens").asLong()).isEqualTo(16);
    }

    @Test
    void leavesEmbeddingsWithoutAnOutputLimit() {
        var answer = client.post("/v1/embeddings", key.secret(), "{\"model\":\"leak-embed\",\"input\":\"hello\"}");

        assertThat(answer.statusCode()).isEqualTo(200);
        var sent = lastUpstreamBody(TestGateway.LEAK);
        assertThat(sent.has("max_tokens")).isFalse();
        assertThat(sent.has("max_completion_tokens")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"100000\"", "\"16\"", "16.5", "16.0", "-1", "0", "1e20", "99999999999999999999",
            "true", "{}", "[16]"})
    void refusesAnOutputLimitThatIsNotAPositiveInteger(String value) {
        int before = scripted.count(TestGateway.LEAK);
        for (String field : new String[] {"max_tokens", "max_completion_tokens"}) {
            var refused = client.post("/v1/chat/completions", key.secret(), chat("leak-chat", "\"" + field + "\":" + value));

            assertThat(assertError(refused, 400, "invalid_request_error").path("param").asString()).isEqualTo(field);
        }
        assertThat(scripted.count(TestGateway.LEAK)).isEqualTo(before);
    }

    @Test
    void checksBothLimitFieldsNotOnlyTheFirst() {
        var refused = client.post("/v1/chat/completions", key.secret(),
                chat("leak-chat", "\"max_completion_tokens\":8,\"max_tokens\":100000"));

        assertError(refused, 403, "policy_violation");
    }

    @Test
    void aZeroInOneLimitFieldDoesNotHideTheOther() {
        var refused = client.post("/v1/chat/completions", key.secret(),
                chat("leak-chat", "\"max_completion_tokens\":0,\"max_tokens\":100000"));

        assertError(refused, 400, "invalid_request_error");
    }

    @Test
    void stripsServerLengthKnobsThatWouldGetAroundTheCap() {
        var answer = client.post("/v1/chat/completions", key.secret(), chat("leak-chat",
                "\"max_tokens\":10,\"n_predict\":5000,\"num_predict\":5000,\"min_tokens\":4000,\"ignore_eos\":true,"
                        + "\"max_new_tokens\":5000,\"options\":{\"num_predict\":9999,\"temperature\":0.5}"));

        assertThat(answer.statusCode()).isEqualTo(200);
        var sent = lastUpstreamBody(TestGateway.LEAK);
        assertThat(sent.path("max_tokens").asLong()).isEqualTo(10);
        for (String knob : new String[] {"n_predict", "num_predict", "min_tokens", "ignore_eos", "max_new_tokens"}) {
            assertThat(sent.has(knob)).as(knob).isFalse();
        }
        assertThat(sent.path("options").has("num_predict")).isFalse();
        assertThat(sent.path("options").path("temperature").asDouble()).isEqualTo(0.5);
    }

    @Test
    void reservesTheCapForEveryChoice() {
        var budgeted = client.createKey(
                "{\"name\":\"capped-budget\",\"limits\":{\"maxTokensPerRequest\":16,\"tokensPerMinute\":100}}");
        // 8 choices of at most 16 tokens each reserve 128 tokens: more than the minute allows
        var refused = client.post("/v1/chat/completions", budgeted.secret(), chat("leak-chat", "\"n\":8"));
        assertError(refused, 429, "rate_limit_exceeded");

        var one = client.post("/v1/chat/completions", budgeted.secret(), chat("leak-chat", "\"n\":1"));
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(lastUpstreamBody(TestGateway.LEAK).path("max_completion_tokens").asLong()).isEqualTo(16);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"2\"", "0", "-3", "129", "2.5"})
    void refusesAChoiceCountThatIsNotASmallPositiveInteger(String n) {
        assertError(client.post("/v1/chat/completions", key.secret(), chat("leak-chat", "\"n\":" + n)), 400,
                "invalid_request_error");
    }

    @Test
    void refusesMoreBestOfCandidatesThanOpenAiAllows() {
        assertError(client.post("/v1/completions", key.secret(),
                "{\"model\":\"leak-chat\",\"prompt\":\"x\",\"best_of\":1000}"), 400, "invalid_request_error");
    }
}
