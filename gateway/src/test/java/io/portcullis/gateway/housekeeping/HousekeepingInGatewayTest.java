package io.portcullis.gateway.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;

/** The gateway's periodic work, as wired: all of it on the housekeeper, stopped in the documented order. */
class HousekeepingInGatewayTest extends GatewayIntegrationTest {

    /** Every periodic task of a gateway without listed teams (gateway.metrics.teams adds quota.budget-gauges). */
    private static final Set<String> TASKS = Set.of("quota.idle-leases", "quota.slot-heartbeat", "quota.purge",
            "usage.partitions", "usage.prune-hourly-rollups", "usage.prune-batch-ids", "audit.head", "responses.prune",
            "alert.deliveries", "alert.key-expiring", "alert.upkeep");
    private static final Pattern TASK_SERIES = Pattern.compile(
            "portcullis_housekeeping_task_seconds_count\\{[^}]*task=\"([^\"]+)\"");

    @Autowired
    ApplicationContext context;

    @Test
    void everyPeriodicTaskRunsOnTheHousekeeperAndIsTimedUnderItsFixedName() {
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String metrics = client.get("/actuator/prometheus", null).body();
            Set<String> tasks = new TreeSet<>();
            TASK_SERIES.matcher(metrics).results().forEach(match -> tasks.add(match.group(1)));
            assertThat(tasks).isEqualTo(new TreeSet<>(TASKS));
            // the quarter-second lease upkeep has run, and without failing
            assertThat(metrics).containsPattern("portcullis_housekeeping_task_seconds_count\\{[^}]*task=\"quota.idle-leases\""
                    + "[^}]*} [1-9]");
            assertThat(metrics).containsPattern("portcullis_housekeeping_task_failures_total\\{[^}]*task=\"quota.idle-leases\""
                    + "[^}]*} 0\\.0");
        });
    }

    @Test
    void noFeatureKeepsALoopThreadOfItsOwnForPeriodicWork() {
        Set<String> threads = new TreeSet<>();
        Thread.getAllStackTraces().keySet().forEach(thread -> threads.add(thread.getName()));

        assertThat(threads).doesNotContain("quota-lease-maintenance", "usage-partitions", "budget-gauges", "audit-head");
        assertThat(threads).anyMatch(name -> name.startsWith("housekeep"));
    }

    /**
     * docs/architecture.md, "The usage ledger": in-flight requests drained, then periodic work
     * stopped, then the ledger flushed, then leases given back (a lower phase stops later), and only
     * then, when the context is destroyed, the DataSource closed.
     */
    @Test
    void stopsAfterInFlightRequestsAndBeforeTheLedgerFlushAndTheLeaseReturn() {
        int inFlight = phase("inFlightRequests");
        int housekeeper = phase("housekeeper");
        int ledger = phase("batchingUsageLedger");
        int leases = phase("leaseMaintenance");

        assertThat(inFlight).isGreaterThan(housekeeper);
        assertThat(housekeeper).isGreaterThan(ledger);
        assertThat(ledger).isGreaterThan(leases);
    }

    private int phase(String bean) {
        return context.getBean(bean, SmartLifecycle.class).getPhase();
    }
}
