package io.portcullis.gateway.housekeeping;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Runs all periodic background work of a replica (lease upkeep, partition upkeep, gauges, the
 * audit head: every {@link PeriodicWork} bean's {@link HousekeepingTask}s) on one
 * {@link ScheduledThreadPoolExecutor}, as HikariCP runs all of a pool's upkeep on one.
 *
 * <ul>
 *   <li><b>One stop rule.</b> Stopping lets a run in progress finish, waits for it up to a bound
 *       ({@value #STOP_WAIT_SECONDS} s), then interrupts it and gives up, with a warning naming
 *       the tasks still running. No task starts after stop.</li>
 *   <li><b>A failing task keeps its schedule.</b> What a run throws is logged (WARN on the first
 *       failure in a row, DEBUG for the repeats, INFO on recovery, so a database outage does not
 *       flood the log four times a second) and counted, and the task runs again next period.</li>
 *   <li><b>No task overlaps itself.</b> Each runs {@code period} after its previous run ended.</li>
 *   <li><b>Tasks do not hold each other up.</b> The executor has one thread per task, so an hour of
 *       pruning never delays a quarter-second lease upkeep. Threads are started lazily and the tasks
 *       are few (under ten), as many as the hand-rolled loops this replaced.</li>
 *   <li><b>One metric.</b> {@code portcullis_housekeeping_task_seconds{task}} times every run,
 *       {@code portcullis_housekeeping_task_failures_total{task}} counts the failed ones; both are
 *       registered at construction for every task, and {@code task} only takes the fixed names
 *       given in code.</li>
 * </ul>
 *
 * <p>Loops that are not periodic keep a thread of their own, stopped by the same rule: the usage
 * ledger's writer (drains a queue), {@code ChangeNotifications} (waits on a LISTEN connection) and
 * the upstream client's sweeper (part of each call's timeouts, ten times a second). Their javadoc
 * says why.
 */
@Component
public class Housekeeper implements SmartLifecycle {

    /**
     * Stops after {@code InFlightRequests} ({@code DEFAULT_PHASE - 3072}: requests still finishing
     * keep their leases heartbeated) and before the usage ledger's final flush
     * ({@code DEFAULT_PHASE - 4096}) and the return of quota leases; so no upkeep runs against the
     * database while it is being emptied, nor after the DataSource closes.
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 3584;
    static final int STOP_WAIT_SECONDS = 5;
    /** Prometheus: {@code portcullis_housekeeping_task_seconds}. */
    static final String DURATION = "portcullis.housekeeping.task";
    /** Prometheus: {@code portcullis_housekeeping_task_failures_total}. */
    static final String FAILURES = "portcullis.housekeeping.task.failures";
    private static final Logger log = LoggerFactory.getLogger(Housekeeper.class);

    private final List<Scheduled> tasks;
    private final Duration stopWait;
    /** Names of the tasks whose run is in progress, for the warning when stop gives up on them. */
    private final Set<String> runningNow = ConcurrentHashMap.newKeySet();
    /** Non-null between start and stop. Guarded by {@code this}. */
    private ScheduledThreadPoolExecutor executor;

    @Autowired
    Housekeeper(List<PeriodicWork> sources, MeterRegistry registry) {
        this(sources.stream().flatMap(source -> source.housekeepingTasks().stream()).toList(), registry,
                Duration.ofSeconds(STOP_WAIT_SECONDS));
    }

    Housekeeper(List<HousekeepingTask> tasks, MeterRegistry registry, Duration stopWait) {
        Set<String> names = new HashSet<>();
        for (HousekeepingTask task : tasks) {
            if (!names.add(task.name())) {
                throw new IllegalStateException("two housekeeping tasks are named " + task.name());
            }
        }
        this.tasks = tasks.stream().map(task -> new Scheduled(task, registry)).toList();
        this.stopWait = stopWait;
    }

    @Override
    public synchronized void start() {
        if (executor != null) {
            return;
        }
        var pool = new ScheduledThreadPoolExecutor(Math.max(1, tasks.size()),
                Thread.ofPlatform().daemon().name("housekeeper-", 1).factory());
        pool.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        for (Scheduled task : tasks) {
            pool.scheduleWithFixedDelay(task, task.spec.initialDelay().toNanos(), task.spec.period().toNanos(),
                    TimeUnit.NANOSECONDS);
        }
        executor = pool;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** Lets runs in progress finish, up to the bound, then interrupts them and gives up. */
    @Override
    public void stop() {
        ScheduledThreadPoolExecutor pool;
        synchronized (this) {
            pool = executor;
            executor = null;
        }
        if (pool == null) {
            return;
        }
        pool.shutdown(); // cancels every next run; a run in progress goes on
        try {
            if (pool.awaitTermination(stopWait.toNanos(), TimeUnit.NANOSECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.warn("Shutdown: housekeeping task(s) {} still running after {}; interrupted and left behind",
                Set.copyOf(runningNow), stopWait);
        pool.shutdownNow();
    }

    @Override
    public synchronized boolean isRunning() {
        return executor != null;
    }

    /** One task with its meters and its run of failures. */
    private final class Scheduled implements Runnable {

        private final HousekeepingTask spec;
        private final Timer duration;
        private final Counter failures;
        /** Failed runs in a row. Plain field: the runs of one task never overlap, and each is handed to the next by the executor's queue. */
        private int failing;

        Scheduled(HousekeepingTask spec, MeterRegistry registry) {
            this.spec = spec;
            this.duration = Timer.builder(DURATION).description("Time of one run of a periodic housekeeping task")
                    .tag("task", spec.name()).register(registry);
            this.failures = Counter.builder(FAILURES).description("Runs of a periodic housekeeping task that failed")
                    .tag("task", spec.name()).register(registry);
        }

        @Override
        public void run() {
            Thread thread = Thread.currentThread();
            String threadName = thread.getName();
            thread.setName("housekeeping-" + spec.name()); // a thread dump then says which task is stuck
            runningNow.add(spec.name());
            long start = System.nanoTime();
            try {
                spec.work().run();
                if (failing > 0) {
                    log.info("Housekeeping task {} succeeded again after {} failed run(s)", spec.name(), failing);
                    failing = 0;
                }
            } catch (Throwable e) {
                // anything escaping here would cancel the task's schedule for good, silently
                failures.increment();
                if (failing++ == 0) {
                    log.warn("Housekeeping task {} failed, will retry every {}: {}", spec.name(), spec.period(),
                            e.toString());
                } else {
                    log.debug("Housekeeping task {} failed again ({} in a row): {}", spec.name(), failing, e.toString());
                }
            } finally {
                duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                runningNow.remove(spec.name());
                thread.setName(threadName);
            }
        }
    }
}
