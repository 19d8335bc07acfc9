package io.portcullis.gateway.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the public port still relays once the control plane has a port of its own. */
class ClientPathsOnlyTest {

    @ParameterizedTest
    @ValueSource(strings = {"/v1/models", "/v1/models/meta-llama/Llama-3.1-8B-Instruct", "/v1/me",
        "/v1/me?window=day", "/v1/responses/resp_123/input_items?limit=5", "/v1/models/gpt-4o%3Alatest",
        "/v1/models#fragment"})
    void relaysTheClientApisOwnPaths(String uri) {
        assertThat(ClientPathsOnly.isClientPath(uri)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/admin/api/keys", "/console", "/actuator/prometheus", "/", "/v1", "/v1/", "/V1/models",
        "/v1/../admin/api/keys", "/v1/models/../../admin/api/keys", "/v1/%2e%2e/admin/api/keys",
        "/v1/%2E%2E/admin/api/keys", "/v1/.%2e/admin/api/keys", "/v1/./models", "/v1//admin/api/keys",
        "/v1/models%2F..%2F..%2Fadmin%2Fapi%2Fkeys", "/v1/models;jsessionid=x/../../admin/api/keys",
        "/v1/models\\..\\..\\admin", "/v1/models%5C..%5C..%5Cadmin", "/v1/models%00", "/v1/models%",
        "/v1/models%zz", "/v1/models%c0%ae%c0%ae/admin", "http://127.0.0.1/admin/api/keys",
        "http://127.0.0.1/v1/models", "*", "/v1/mod\u00e9ls", "/v1/models/%0d%0aX-Injected:1"})
    void refusesEverythingElseIncludingPathsThatOnlyLookLikeIt(String uri) {
        assertThat(ClientPathsOnly.isClientPath(uri)).isFalse();
    }
}
