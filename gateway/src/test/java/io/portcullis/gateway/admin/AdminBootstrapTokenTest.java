package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.StandaloneGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AdminBootstrapTokenTest {

    @Test
    void theDocumentedGatewayAdminTokenVariableIsTheBootstrapToken() {
        String token = "from-the-environment-0123456789-abc";
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             // GATEWAY_ADMIN_TOKEN as a command-line property resolves exactly as the env variable would
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of("GATEWAY_ADMIN_TOKEN", token),
                     Set.of("gateway.admin.bootstrap-token"))) {
            var client = gateway.client();
            var answer = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/admin/api/keys"))
                    .header("Authorization", "Bearer " + token).GET().build());
            assertThat(answer.statusCode()).isEqualTo(200);
            var wrong = client.send(HttpRequest.newBuilder(URI.create(client.base() + "/admin/api/keys"))
                    .header("Authorization", "Bearer something-else").GET().build());
            assertThat(wrong.statusCode()).isEqualTo(401);
        }
    }

    @Test
    void refusesToStartWithABootstrapTokenShorterThan32Bytes() {
        String short31 = "a-guessable-admin-token-of-31-b";
        assertThat(short31).hasSize(31);
        try (var postgres = EmbeddedPostgresServer.ephemeral()) {
            assertThatThrownBy(() -> StandaloneGateway.start(postgres.jdbcUrl(),
                    Map.of("GATEWAY_ADMIN_TOKEN", short31), Set.of("gateway.admin.bootstrap-token")).close())
                    .rootCause().hasMessageContaining("gateway.admin.bootstrap-token (GATEWAY_ADMIN_TOKEN) must be at"
                            + " least 32 bytes");
        }
    }
}
