package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayProcess;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM under load, as Kubernetes sends it: requests in flight complete, a long stream gets the
 * grace period and is then cut (and billed), the ledger is flushed, and nothing answered is missing
 * from it.
 */
class GracefulShutdownTest {

    @Test
    void sigtermDrainsRequestsGivesStreamsTheirGraceAndLosesNoUsage() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral()) {
            var gateway = GatewayProcess.start(postgres.jdbcUrl(), GatewayProcess.freePort(), "graceful-shutdown",
                    Map.of("spring.lifecycle.timeout-per-shutdown-phase", "5s"));
            GatewayClient client = gateway.client();
            var key = client.createKey();

            // one long stream (30 s of ticks) that outlives the 5 s grace period
            HttpResponse<InputStream> stream = client.http().send(HttpRequest.newBuilder(
                            URI.create(client.base() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key.secret())
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"fake-endless\",\"stream\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            var streamReader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
            assertThat(streamReader.readLine()).contains("tick");

            var answered = new AtomicInteger();
            var failedMidway = new AtomicInteger();
            var stop = new AtomicBoolean();
            List<Thread> load = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                load.add(Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        try {
                            int status = client.post("/v1/chat/completions", key.secret(),
                                    GatewayClient.chat("fake-chat")).statusCode();
                            if (status == 200) {
                                answered.incrementAndGet();
                            } else if (status >= 500) {
                                failedMidway.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            return; // refused: the server stopped accepting
                        }
                    }
                }));
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> answered.get() >= 50);

            long terminatedAt = System.nanoTime();
            gateway.terminate();
            long streamLines = 0;
            try {
                while (streamReader.readLine() != null) {
                    streamLines++;
                }
            } catch (java.io.IOException e) {
                // cut at the end of the grace period
            }
            long streamHeld = System.nanoTime() - terminatedAt;
            stop.set(true);
            for (Thread t : load) {
                t.join(Duration.ofSeconds(30));
            }
            assertThat(gateway.awaitExit(Duration.ofSeconds(60))).as("exited").isTrue();

            assertThat(failedMidway.get()).as("requests broken by the shutdown").isZero();
            assertThat(streamLines).as("the stream kept flowing during the grace period").isPositive();
            assertThat(Duration.ofNanos(streamHeld)).isGreaterThan(Duration.ofSeconds(3));
            long okRows = count(postgres, "select count(*) from usage_event_named where key_id = '" + key.id()
                    + "' and outcome = 'success' and endpoint = 'chat' and not streamed");
            assertThat(okRows).as("every answered request is in the ledger").isEqualTo(answered.get());
            assertThat(count(postgres, "select count(*) from usage_event where key_id = '" + key.id() + "' and streamed"))
                    .as("the cut stream is recorded (and billed)").isEqualTo(1);
        }
    }

    private static long count(EmbeddedPostgresServer postgres, String sql) throws Exception {
        try (var c = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
             var rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
