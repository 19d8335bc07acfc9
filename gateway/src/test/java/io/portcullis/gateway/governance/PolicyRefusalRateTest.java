package io.portcullis.gateway.governance;

import org.junit.jupiter.api.Test;

/**
 * Requests refused by policy are not free to repeat: each counts against the key's request rate,
 * so a client probing a policy runs into 429 like any other.
 */
class PolicyRefusalRateTest extends GovernanceTest {

    private static final String IMAGE = """
            {"model":"leak-chat","messages":[{"role":"user","content":[{"type":"text","text":"what is this"},\
            {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}""";

    @Test
    void countsPolicyRefusalsAgainstTheRequestRate() {
        var key = client.createKey("{\"name\":\"text-only\",\"limits\":{\"requestsPerMinute\":2},"
                + "\"policy\":{\"modalities\":[\"text\"]}}");

        assertError(client.post("/v1/chat/completions", key.secret(), IMAGE), 403, "policy_violation");
        assertError(client.post("/v1/chat/completions", key.secret(), IMAGE), 403, "policy_violation");
        assertError(client.post("/v1/chat/completions", key.secret(), IMAGE), 429, "rate_limit_exceeded");
        assertError(client.post("/v1/chat/completions", key.secret(), chat("leak-chat", "")), 429,
                "rate_limit_exceeded");
    }

    @Test
    void countsModelRefusalsAgainstTheRequestRate() {
        var key = client.createKey("{\"name\":\"one-model\",\"models\":[\"fake-chat\"],"
                + "\"limits\":{\"requestsPerMinute\":1}}");

        assertError(client.post("/v1/chat/completions", key.secret(), chat("leak-chat", "")), 403, "model_not_allowed");
        assertError(client.post("/v1/chat/completions", key.secret(), chat("leak-chat", "")), 429, "rate_limit_exceeded");
    }
}
