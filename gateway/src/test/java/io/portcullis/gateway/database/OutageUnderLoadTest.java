package io.portcullis.gateway.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import io.portcullis.gateway.usage.UsageLedger;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL away for 30 seconds under load: cached keys keep working, keys with limits serve
 * from the leases they hold and then get 503 (never more than was leased), unknown keys get 503,
 * nothing answers 500, and every answered request reaches the ledger after recovery.
 */
class OutageUnderLoadTest {

    private static final long DAILY = 2_000_000;
    private static final String BODY = """
            {"model":"fake-metered","max_tokens":10,"messages":[{"role":"user","content":"%s"}]}""".formatted("q".repeat(200));

    @Test
    void thirtySecondsWithoutTheDatabaseUnderLoad() throws Exception {
        try (var postgres = EmbeddedPostgresServer.ephemeral();
             // The queue must hold a 30 s outage at whatever rate this machine answers (about
             // 4,000 requests a second here): this test is about losing nothing the queue accepted,
             // not about the queue's size, whose overflow is counted and logged (docs/usage.md).
             var gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of("gateway.usage.queue-capacity", "1000000"))) {
            var client = gateway.client();
            var open = client.createKey("{\"name\":\"open\"}");
            var limited = client.createKey("{\"name\":\"limited\",\"limits\":{\"tokensPerDay\":" + DAILY + "}}");
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
                    client.post("/v1/chat/completions", open.secret(), BODY).statusCode() == 200
                            && client.post("/v1/chat/completions", limited.secret(), BODY).statusCode() == 200);

            var ledger = gateway.context().getBean(UsageLedger.class);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.pending() == 0);
            long before = okRows(postgres, open.id(), limited.id());
            Map<String, Map<Integer, LongAdder>> answers = new ConcurrentHashMap<>();
            var stop = new AtomicBoolean();
            List<Thread> load = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                String key = t % 2 == 0 ? open.secret() : limited.secret();
                String name = t % 2 == 0 ? "open" : "limited";
                load.add(Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        int status = client.post("/v1/chat/completions", key, BODY).statusCode();
                        answers.computeIfAbsent(name, k -> new ConcurrentHashMap<>())
                                .computeIfAbsent(status, s -> new LongAdder()).increment();
                        if (status != 200) {
                            sleep(20);
                        }
                    }
                }));
            }
            sleep(1000);
            postgres.stop();
            long outageStart = System.nanoTime();
            int unknownKeyStatus = client.post("/v1/chat/completions", "gw-AAAAAAAAAAAA-" + "D".repeat(32), BODY)
                    .statusCode();
            while (System.nanoTime() - outageStart < Duration.ofSeconds(30).toNanos()) {
                sleep(500);
            }
            postgres.start();
            sleep(1000);
            stop.set(true);
            for (Thread t : load) {
                t.join(Duration.ofSeconds(30));
            }

            assertThat(unknownKeyStatus).as("an unknown key cannot be checked during the outage").isEqualTo(503);
            assertThat(answers.get("open").keySet()).as("the unlimited cached key").containsOnly(200);
            assertThat(answers.get("limited").keySet()).as("the limited key").isSubsetOf(200, 503);
            long answered = answers.values().stream().mapToLong(m -> m.getOrDefault(200, new LongAdder()).sum()).sum();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> ledger.pending() == 0);
            assertThat(okRows(postgres, open.id(), limited.id()) - before).as("every answered request recorded")
                    .isEqualTo(answered);
            try (var c = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
                 var rs = c.createStatement().executeQuery("select coalesce(max(granted), 0) from quota_counter"
                         + " where scope = 'key:" + limited.id() + "'")) {
                rs.next();
                assertThat(rs.getLong(1)).as("never granted beyond the limit").isLessThanOrEqualTo(DAILY);
            }
        }
    }

    private static long okRows(EmbeddedPostgresServer postgres, String a, String b) throws Exception {
        try (var c = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
             var rs = c.createStatement().executeQuery("select count(*) from usage_event where status = 200"
                     + " and key_id in ('" + a + "', '" + b + "')")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
