package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.support.TestGateway;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/** A million raw rows leave as a stream: the first arrive long before the last is read from disk. */
class UsageExportScaleTest {

    private static final int ROWS = 1_000_000;

    @Test
    void exportsAMillionRowsAsAStream() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of())) {
            var jdbc = gateway.context().getBean(JdbcTemplate.class);
            var names = gateway.context().getBean(UsageNames.class);
            UUID key = UUID.randomUUID();
            short model = names.id("fake-chat");
            short endpoint = names.id("chat");
            short outcome = names.id("success");
            jdbc.update("insert into usage_event (created_at, cost_micros, id, key_id, team_id, prompt_tokens,"
                    + " completion_tokens, cached_tokens, latency_ms, ttft_ms, model_id, backend_id, endpoint_id, status,"
                    + " outcome_id, streamed) select now() - (g * interval '1 millisecond'), g, gen_random_uuid(), ?, null,"
                    + " g % 1000, g % 100, 0, 5, null, ?, null, ?, 200, ?, false from generate_series(1, ?) g",
                    key, model, endpoint, outcome, ROWS);

            var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                            + "/admin/api/usage/export?format=csv&rows=raw&keyId=" + key))
                    .header("Authorization", "Bearer " + TestGateway.ADMIN_TOKEN).GET().build();
            long start = System.nanoTime();
            HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-length")).as("streamed, not buffered").isEmpty();
            long lines = 0;
            long firstRowNanos = 0;
            try (var reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                reader.readLine(); // header
                while (reader.readLine() != null) {
                    if (lines++ == 0) {
                        firstRowNanos = System.nanoTime() - start;
                    }
                }
            }
            long totalNanos = System.nanoTime() - start;

            assertThat(lines).isEqualTo(ROWS);
            assertThat(firstRowNanos).as("first row before a fifth of the export's time")
                    .isLessThan(totalNanos / 5);
        }
    }
}
