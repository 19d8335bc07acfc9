package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

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
        String token = "from-the-environment-0123456789";
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
}
