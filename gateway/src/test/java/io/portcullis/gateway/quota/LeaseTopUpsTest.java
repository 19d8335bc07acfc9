package io.portcullis.gateway.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.gateway.support.GatewayIntegrationTest;
import io.portcullis.policy.Limits;
import io.portcullis.policy.quota.CalendarWindows;
import io.portcullis.policy.quota.QuotaEngine;
import io.portcullis.policy.quota.QuotaRequest;
import io.portcullis.policy.quota.RefillPath;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Lease top-ups against the real database: a steady stream of requests is served from leases
 * topped up in the background (the request path asks PostgreSQL only for the very first chunk), and
 * two engines topping up in the background on one database still never pass a limit.
 */
class LeaseTopUpsTest extends GatewayIntegrationTest {

    private static final String BODY = """
            {"model":"fake-metered","max_tokens":10,"messages":[{"role":"user","content":"steady"}]}""";

    @Autowired
    private MeterRegistry registry;
    @Autowired
    private TransactionTemplate tx;
    @Autowired
    private LeaseTopUps topUps;

    private double refills(RefillPath path) {
        return registry.get(QuotaMetrics.REFILLS).tag("path", path.tag()).counter().count();
    }

    @Test
    void aSteadyStreamOfRequestsWaitsForTheDatabaseOnlyForItsFirstChunk() {
        // a chunk is 3,000 tokens; the fake backend reports 30 a call: a top-up every hundred requests or so
        var key = client.createKey("{\"name\":\"steady\",\"limits\":{\"tokensPerDay\":96000}}");
        double foreground = refills(RefillPath.FOREGROUND);
        double background = refills(RefillPath.BACKGROUND);
        long started = topUps.started();
        for (int i = 0; i < 400; i++) {
            assertThat(client.post("/v1/chat/completions", key.secret(), BODY).statusCode()).as("request %d", i)
                    .isEqualTo(200);
        }
        assertThat(refills(RefillPath.FOREGROUND) - foreground).as("requests that waited for a refill").isEqualTo(1);
        assertThat(refills(RefillPath.BACKGROUND) - background).as("top-ups ahead of need").isGreaterThanOrEqualTo(3);
        // the last top-up may still be on its way to the database: it is counted when it gets there
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(topUps.started() - started).as("top-ups on their own threads, not the requests'")
                        .isEqualTo((long) (refills(RefillPath.BACKGROUND) - background)));
        assertThat(client.get("/actuator/prometheus", null).body())
                .containsPattern("portcullis_quota_refills_total\\{[^}]*path=\"background\"")
                .containsPattern("portcullis_quota_refills_total\\{[^}]*path=\"foreground\"");
    }

    @Test
    void twoEnginesToppingUpInTheBackgroundOnOneDatabaseNeverPassTheLimitAndStrandNothing() throws Exception {
        long limit = 20_000;
        String scope = "key:" + UUID.randomUUID();
        var limits = new Limits(null, null, limit, null, null, null, null);
        var admitted = new AtomicLong();
        Map<RefillPath, AtomicLong> paths = new EnumMap<>(RefillPath.class);
        for (RefillPath path : RefillPath.values()) {
            paths.put(path, new AtomicLong());
        }
        var windows = new CalendarWindows(ZoneOffset.UTC);
        try (var topUps = Executors.newVirtualThreadPerTaskExecutor()) {
            var engines = new QuotaEngine[2];
            for (int e = 0; e < 2; e++) {
                engines[e] = new QuotaEngine(new JdbcLeaseStore(jdbc, tx, UUID.randomUUID()), windows, topUps,
                        path -> paths.get(path).incrementAndGet());
            }
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                QuotaEngine engine = engines[t % 2];
                threads.add(Thread.ofVirtual().start(() -> {
                    while (true) {
                        var a = engine.admit(new QuotaRequest(scope, limits, null, null, 7, 0), Instant.now());
                        if (!a.allowed()) {
                            return;
                        }
                        admitted.addAndGet(7);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(60));
            }
            assertThat(admitted.get()).as("tokens admitted").isLessThanOrEqualTo(limit).isGreaterThan(limit * 9 / 10);
            topUps.close(); // every top-up in flight has landed
            for (QuotaEngine engine : engines) {
                engine.returnIdleLeases(Duration.ZERO, Instant.now());
            }
        }
        assertThat(paths.get(RefillPath.BACKGROUND).get()).as("top-ups ran").isPositive();
        Long granted = jdbc.queryForObject("select coalesce(sum(granted), 0) from quota_counter where scope = ?",
                Long.class, scope);
        assertThat(granted).as("the shared counter holds what was admitted: no unit stranded or counted twice")
                .isEqualTo(admitted.get());
    }
}
