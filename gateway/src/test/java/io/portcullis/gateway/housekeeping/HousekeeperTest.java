package io.portcullis.gateway.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The housekeeper's promises, on real threads and real time (periods of milliseconds). */
class HousekeeperTest {

    private static final Duration SOON = Duration.ofMillis(5);

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private Housekeeper housekeeper;

    @AfterEach
    void stopHousekeeper() {
        if (housekeeper != null) {
            housekeeper.stop();
        }
    }

    @Test
    void aTaskThatThrowsIsCountedAndRunsAgainNextPeriod() {
        var runs = new AtomicInteger();
        start(Duration.ofSeconds(5), new HousekeepingTask("flaky", SOON, Duration.ZERO, () -> {
            if (runs.incrementAndGet() <= 3) {
                throw new IllegalStateException("database away");
            }
        }));

        var timer = registry.get(Housekeeper.DURATION).tag("task", "flaky").timer();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> timer.count() >= 6); // timed after the run

        assertThat(runs.get()).isGreaterThanOrEqualTo(6);
        assertThat(registry.get(Housekeeper.FAILURES).tag("task", "flaky").counter().count()).isEqualTo(3);
    }

    @Test
    void anErrorDoesNotEndTheTasksScheduleEither() {
        var runs = new AtomicInteger();
        start(Duration.ofSeconds(5), new HousekeepingTask("erring", SOON, Duration.ZERO, () -> {
            runs.incrementAndGet();
            throw new AssertionError("not an exception");
        }));

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 3);

        assertThat(registry.get(Housekeeper.FAILURES).tag("task", "erring").counter().count()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aSlowTaskNeverOverlapsItself() {
        var inside = new AtomicInteger();
        var mostAtOnce = new AtomicInteger();
        var runs = new AtomicInteger();
        start(Duration.ofSeconds(5), new HousekeepingTask("slow", Duration.ofMillis(1), Duration.ZERO, () -> {
            mostAtOnce.accumulateAndGet(inside.incrementAndGet(), Math::max);
            sleep(Duration.ofMillis(30)); // thirty periods long
            inside.decrementAndGet();
            runs.incrementAndGet();
        }));

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 8);

        assertThat(mostAtOnce).hasValue(1);
    }

    @Test
    void aTaskStuckInItsRunDoesNotHoldUpTheOthers() throws Exception {
        var stuck = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var quickRuns = new AtomicInteger();
        try {
            start(Duration.ofSeconds(5),
                    new HousekeepingTask("stuck", SOON, Duration.ZERO, () -> {
                        stuck.countDown();
                        awaitUninterruptibly(release);
                    }),
                    new HousekeepingTask("quick", SOON, Duration.ZERO, quickRuns::incrementAndGet));
            assertThat(stuck.await(5, TimeUnit.SECONDS)).isTrue();
            int before = quickRuns.get();

            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> quickRuns.get() >= before + 10);
        } finally {
            release.countDown();
        }
    }

    @Test
    void stopLetsTheRunningTaskFinishAndStartsNoOther() throws Exception {
        var started = new CountDownLatch(1);
        var finished = new AtomicBoolean();
        var runs = new AtomicInteger();
        start(Duration.ofSeconds(5), new HousekeepingTask("finishing", SOON, Duration.ZERO, () -> {
            if (runs.incrementAndGet() == 1) {
                started.countDown();
                try {
                    Thread.sleep(Duration.ofMillis(300));
                    finished.set(true);
                } catch (InterruptedException e) {
                    // cut short: finished stays false
                }
            }
        }));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        housekeeper.stop();

        assertThat(finished).as("the run in progress finished before stop returned").isTrue();
        assertThat(housekeeper.isRunning()).isFalse();
        sleep(Duration.ofMillis(100)); // twenty periods
        assertThat(runs).as("no run after stop").hasValue(1);
    }

    @Test
    void stopWaitsForAStuckTaskOnlyUpToTheBoundThenInterruptsItAndGivesUp() throws Exception {
        var started = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var interrupted = new AtomicBoolean();
        var finished = new AtomicBoolean();
        Duration bound = Duration.ofMillis(300);
        try {
            start(bound, new HousekeepingTask("stuck", SOON, Duration.ZERO, () -> {
                started.countDown();
                interrupted.set(awaitUninterruptibly(release));
                finished.set(true);
            }));
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

            long before = System.nanoTime();
            housekeeper.stop();
            Duration took = Duration.ofNanos(System.nanoTime() - before);

            assertThat(took).isBetween(bound, bound.plusSeconds(2));
            assertThat(finished).as("stop returned without the stuck run").isFalse();
            assertThat(housekeeper.isRunning()).isFalse();
        } finally {
            release.countDown();
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilTrue(finished);
        assertThat(interrupted).as("the run left behind was interrupted").isTrue();
    }

    @Test
    void everyTaskHasItsMetersBeforeItFirstRuns() {
        start(Duration.ofSeconds(5), new HousekeepingTask("later", Duration.ofHours(1), Duration.ofHours(1), () -> {
        }));

        assertThat(registry.get(Housekeeper.DURATION).tag("task", "later").timer().count()).isZero();
        assertThat(registry.get(Housekeeper.FAILURES).tag("task", "later").counter().count()).isZero();
    }

    @Test
    void refusesTwoTasksOfOneName() {
        Runnable nothing = () -> {
        };
        var first = new HousekeepingTask("twice", SOON, Duration.ZERO, nothing);
        var second = new HousekeepingTask("twice", Duration.ofHours(1), Duration.ZERO, nothing);

        assertThatThrownBy(() -> new Housekeeper(List.of(first, second), registry, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("twice");
    }

    @Test
    void refusesATaskNameThatIsNoFixedWordAndAPeriodThatIsNotPositive() {
        Runnable nothing = () -> {
        };
        assertThatThrownBy(() -> new HousekeepingTask("team " + "1234", SOON, Duration.ZERO, nothing))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("team 1234");
        assertThatThrownBy(() -> new HousekeepingTask("Quota", SOON, Duration.ZERO, nothing))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HousekeepingTask("spin", Duration.ZERO, Duration.ZERO, nothing))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("period");
        assertThatThrownBy(() -> new HousekeepingTask("early", SOON, Duration.ofSeconds(-1), nothing))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initial delay");
    }

    private void start(Duration stopWait, HousekeepingTask... tasks) {
        housekeeper = new Housekeeper(List.of(tasks), registry, stopWait);
        housekeeper.start();
        assertThat(housekeeper.isRunning()).isTrue();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return whether the wait was interrupted (and ignored) */
    private static boolean awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }
}
