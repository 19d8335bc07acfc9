package io.portcullis.gateway.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.usage.UsageLedger;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * When the usage ledger's queue has no place left for another record (the database is away, or
 * slower than the traffic), new requests are refused 503 {@code overloaded} before they are served,
 * rather than served and their records dropped: every answered request is billed.
 */
class LedgerRoomTest {

    private static final String BODY = """
            {"model":"fake-metered","max_tokens":10,"messages":[{"role":"user","content":"hello"}]}""";

    @Test
    void refusesNewRequestsRatherThanDropTheRecordsOfAnsweredOnes() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of("gateway.usage.queue-capacity", "3",
                     "gateway.usage.batch-size", "1"))) {
            var client = gateway.client();
            var key = client.createKey("{\"name\":\"billed\"}");
            var ledger = gateway.context().getBean(UsageLedger.class);
            var meters = gateway.context().getBean(MeterRegistry.class);
            assertThat(client.post("/v1/chat/completions", key.secret(), BODY).statusCode()).isEqualTo(200);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.pending() == 0);

            postgres.stop();
            int answered = 0;
            HttpResponse<String> refused = null;
            for (int i = 0; i < 10 && refused == null; i++) {
                var answer = client.post("/v1/chat/completions", key.secret(), BODY);
                if (answer.statusCode() == 200) {
                    answered++;
                } else {
                    refused = answer;
                }
            }
            assertThat(answered).as("the queue's three places").isEqualTo(3);
            assertThat(refused).isNotNull();
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
            assertThat(refused.body()).contains("\"code\":\"overloaded\"");
            assertThat(meters.get("portcullis.shed.requests").tag("reason", "ledger").counter().count())
                    .isGreaterThanOrEqualTo(1);
            assertThat(meters.get("portcullis.usage.records.dropped").counter().count()).isZero();

            postgres.start();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ledger.pending() == 0);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                    client.post("/v1/chat/completions", key.secret(), BODY).statusCode() == 200);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.pending() == 0);
            assertThat(answeredRows(postgres, key.id())).as("every answer recorded, before and after the outage")
                    .isEqualTo(1 + answered + 1);
            assertThat(meters.get("portcullis.usage.records.dropped").counter().count()).isZero();
        }
    }

    private static long answeredRows(EmbeddedPostgresServer postgres, String keyId) throws Exception {
        try (var c = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
             var rs = c.createStatement().executeQuery("select count(*) from usage_event where status = 200"
                     + " and key_id = '" + keyId + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
