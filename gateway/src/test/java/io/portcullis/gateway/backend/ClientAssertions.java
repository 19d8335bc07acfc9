package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import java.net.http.HttpResponse;
import tools.jackson.databind.JsonNode;

/** The contract's error shape, asserted. */
final class ClientAssertions {

    private ClientAssertions() {
    }

    static JsonNode assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = GatewayClient.json(response).get("error");
        assertThat(error).as(response.body()).isNotNull();
        assertThat(error.get("code").stringValue()).isEqualTo(code);
        assertThat(error.get("message").stringValue()).isNotBlank();
        return error;
    }
}
