package io.portcullis.gateway.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 64 client threads against one budget, through the HTTP API and real PostgreSQL, on one and on
 * two gateway instances. The fake model reports 30 tokens per call while each request reserves
 * more (a 200-character prompt and max_tokens 10), so the documented bound on overspend is zero:
 * the ledger's total must never pass the budget.
 */
class QuotaExactnessTest {

    private static final long BUDGET = 6_000;
    private static final int THREADS = 64;
    private static final String BODY = """
            {"model":"fake-metered","max_tokens":10,"messages":[{"role":"user","content":"%s"}]}""".formatted("y".repeat(200));

    private static EmbeddedPostgresServer postgres;
    private static StandaloneGateway a;
    private static StandaloneGateway b;

    @BeforeAll
    static void start() {
        postgres = EmbeddedPostgresServer.ephemeral();
        a = StandaloneGateway.start(postgres.jdbcUrl(), Map.of());
        b = StandaloneGateway.start(postgres.jdbcUrl(), Map.of());
    }

    @AfterAll
    static void stop() {
        b.close();
        a.close();
        postgres.close();
    }

    @Test
    void sixtyFourThreadsOnOneKeyNeverOverspendItsDailyBudget() throws Exception {
        var key = a.client().createKey("{\"name\":\"hammer\",\"limits\":{\"tokensPerDay\":" + BUDGET + "}}");
        int admitted = hammer(List.of(a.client()), List.of(key.secret()));
        assertLedgerWithinBudget("key_id = '" + key.id() + "'", admitted);
    }

    @Test
    void sixtyFourThreadsOnOneTeamNeverOverspendItsBudget() throws Exception {
        var created = a.client().admin("POST", "/admin/api/teams",
                "{\"name\":\"hammer-team\",\"limits\":{\"tokensPerDay\":" + BUDGET + "}}");
        String teamId = GatewayClient.json(created).get("id").stringValue();
        var k1 = a.client().createKey("{\"name\":\"t1\",\"teamId\":\"" + teamId + "\"}");
        var k2 = a.client().createKey("{\"name\":\"t2\",\"teamId\":\"" + teamId + "\"}");
        int admitted = hammer(List.of(a.client()), List.of(k1.secret(), k2.secret()));
        assertLedgerWithinBudget("team_id = '" + teamId + "'", admitted);
    }

    @Test
    void twoInstancesOnOneDatabaseNeverOverspendOneBudget() throws Exception {
        var key = a.client().createKey("{\"name\":\"replicated\",\"limits\":{\"tokensPerDay\":" + BUDGET + "}}");
        // make sure B has seen the key before the race starts
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> b.client().get("/v1/models", key.secret()).statusCode() == 200);
        int admitted = hammer(List.of(a.client(), b.client()), List.of(key.secret()));
        assertLedgerWithinBudget("key_id = '" + key.id() + "'", admitted);
    }

    /** Every thread calls until refused for quota; returns how many calls were admitted. */
    private static int hammer(List<GatewayClient> clients, List<String> keys) throws Exception {
        var admitted = new AtomicInteger();
        var unexpected = new AtomicInteger();
        var firstUnexpected = new java.util.concurrent.atomic.AtomicReference<String>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            GatewayClient client = clients.get(t % clients.size());
            String key = keys.get(t % keys.size());
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 500; i++) {
                    var response = client.post("/v1/chat/completions", key, BODY);
                    if (response.statusCode() == 200) {
                        admitted.incrementAndGet();
                    } else if (response.statusCode() == 429 && response.body().contains("insufficient_quota")) {
                        return;
                    } else {
                        unexpected.incrementAndGet();
                        firstUnexpected.compareAndSet(null, response.statusCode() + " " + response.body());
                        return;
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(60));
        }
        assertThat(unexpected.get()).as("answers other than 200 or insufficient_quota, first: %s", firstUnexpected.get())
                .isZero();
        return admitted.get();
    }

    private static void assertLedgerWithinBudget(String where, int admitted) throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> query("select count(*) from usage_event_named where "
                + where + " and status = 200") == admitted);
        long used = query("select coalesce(sum(prompt_tokens + completion_tokens), 0) from usage_event_named where " + where);
        assertThat(used).as("tokens recorded").isLessThanOrEqualTo(BUDGET);
        // and the budget was really used, not refused early (at most a few leases' worth left)
        assertThat(used).as("tokens recorded").isGreaterThan(BUDGET * 8 / 10);
    }

    private static long query(String sql) throws Exception {
        try (var c = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
             var rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
