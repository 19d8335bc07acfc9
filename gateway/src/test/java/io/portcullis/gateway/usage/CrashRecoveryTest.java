package io.portcullis.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.GatewayProcess;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} under load, then a restart on the same database: the ledger stays consistent
 * (rollups equal raw rows), no budget is overspent, and what is lost is at most what was being
 * batched at the moment of the kill.
 */
class CrashRecoveryTest {

    private static final long BUDGET = 30 * 200; // 200 calls of the metered model's 30 tokens
    private static final String BODY = """
            {"model":"fake-metered","max_tokens":10,"messages":[{"role":"user","content":"%s"}]}""".formatted("z".repeat(200));

    @Test
    void aKilledGatewayLosesAtMostItsFlushWindowAndNeverOverspends() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral()) {
            int port = GatewayProcess.freePort();
            var first = GatewayProcess.start(postgres.jdbcUrl(), port, "crash-recovery-first", Map.of());
            GatewayClient client = first.client();
            var key = client.createKey("{\"name\":\"crash\",\"limits\":{\"tokensPerDay\":" + BUDGET + "}}");

            var completions = new ConcurrentLinkedQueue<Long>();
            var stop = new AtomicBoolean();
            List<Thread> load = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                load.add(Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        try {
                            if (client.post("/v1/chat/completions", key.secret(), BODY).statusCode() == 200) {
                                completions.add(System.nanoTime());
                            }
                        } catch (RuntimeException e) {
                            return; // the process is gone
                        }
                    }
                }));
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> completions.size() >= 60);
            long killedAt = System.nanoTime();
            first.kill(); // SIGKILL: no shutdown hook, no flush
            stop.set(true);
            for (Thread t : load) {
                t.join(Duration.ofSeconds(30));
            }
            int answered = completions.size();
            long lastSecond = completions.stream().filter(n -> killedAt - n < Duration.ofSeconds(1).toNanos()).count();
            long recorded = count(postgres, "select count(*) from usage_event where key_id = '" + key.id() + "'");

            assertThat(answered - recorded).as("usage lost by the kill").isBetween(0L, lastSecond);

            var second = GatewayProcess.start(postgres.jdbcUrl(), port, "crash-recovery-second", Map.of());
            try {
                int more = 0;
                for (int i = 0; i < 400; i++) {
                    var response = client.post("/v1/chat/completions", key.secret(), BODY);
                    if (response.statusCode() == 429) {
                        break;
                    }
                    assertThat(response.statusCode()).isEqualTo(200);
                    more++;
                }
                assertThat(more).as("the second process admits more until the budget is spent").isPositive();
            } finally {
                second.terminate(); // SIGTERM: graceful, flushes the ledger
                assertThat(second.awaitExit(Duration.ofSeconds(60))).isTrue();
            }

            long tokens = count(postgres, "select coalesce(sum(prompt_tokens + completion_tokens), 0) from usage_event"
                    + " where key_id = '" + key.id() + "'");
            assertThat(tokens).as("tokens recorded across the crash").isLessThanOrEqualTo(BUDGET);
            long rolled = count(postgres, "select coalesce(sum(prompt_tokens + completion_tokens), 0) from usage_daily"
                    + " where key_id = '" + key.id() + "'");
            assertThat(rolled).as("rollups equal the raw rows").isEqualTo(tokens);
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
