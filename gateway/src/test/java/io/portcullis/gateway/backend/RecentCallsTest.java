package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.backend.DeploymentHealth.AttemptResult;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** One deployment's recent calls on a clock the test moves: counts, error rate, latency and ageing out. */
class RecentCallsTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-06T10:00:00Z"));
    private final InstantSource clock = () -> now.get();
    private final RecentCalls calls = new RecentCalls(clock);

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    private void advance(Duration d) {
        now.updateAndGet(i -> i.plus(d));
    }

    @Test
    void saysNothingAboutLatencyOrErrorsBeforeTheFirstCall() {
        var summary = calls.summary();

        assertThat(summary.calls()).isZero();
        assertThat(summary.errorRate()).isNull();
        assertThat(summary.p50()).isNull();
        assertThat(summary.p99()).isNull();
        assertThat(summary.mean()).isNull();
        assertThat(summary.window()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void countsFailuresAndRateLimitsAndGivesTheErrorRateOverAllCalls() {
        calls.record(AttemptResult.SUCCESS, ms(10));
        calls.record(AttemptResult.SERVER_ERROR, ms(10));
        calls.record(AttemptResult.TIMEOUT, ms(1000));
        calls.record(AttemptResult.RATE_LIMITED, ms(5));
        calls.record(AttemptResult.UNREACHABLE, ms(1));
        calls.record(AttemptResult.BROKEN, ms(1));

        var summary = calls.summary();

        assertThat(summary.calls()).isEqualTo(6);
        assertThat(summary.failures()).isEqualTo(4);
        assertThat(summary.rateLimited()).isEqualTo(1);
        assertThat(summary.errorRate()).isEqualTo(66.7);
    }

    @Test
    void leavesCallsWithoutAnAnswerOutOfTheLatency() {
        calls.record(AttemptResult.SUCCESS, ms(20));
        calls.record(AttemptResult.TIMEOUT, ms(60_000));
        calls.record(AttemptResult.UNREACHABLE, ms(30_000));

        var summary = calls.summary();

        assertThat(summary.p99()).isEqualTo(Duration.ofMillis(20));
        assertThat(summary.mean()).isEqualTo(Duration.ofMillis(20));
    }

    @Test
    void estimatesPercentilesWithinAQuarterAndNeverAboveTheSlowestCall() {
        for (int i = 1; i <= 100; i++) {
            calls.record(AttemptResult.SUCCESS, ms(i * 10L)); // 10 ms .. 1000 ms
        }

        var summary = calls.summary();

        assertThat(summary.p50().toMillis()).isBetween(500L, 625L);
        assertThat(summary.p99().toMillis()).isBetween(990L, 1000L);
        assertThat(summary.mean()).isEqualTo(Duration.ofMillis(505));
    }

    @Test
    void forgetsCallsOlderThanTheWindowWithoutATimer() {
        calls.record(AttemptResult.SERVER_ERROR, ms(400));
        advance(Duration.ofMinutes(3));
        calls.record(AttemptResult.SUCCESS, ms(100));

        assertThat(calls.summary().calls()).isEqualTo(2);

        advance(Duration.ofMinutes(2).plusSeconds(30));
        var summary = calls.summary();
        assertThat(summary.calls()).as("the failure is over five minutes old").isEqualTo(1);
        assertThat(summary.failures()).isZero();
        assertThat(summary.errorRate()).isEqualTo(0.0);
        assertThat(summary.p50()).isEqualTo(Duration.ofMillis(100));

        advance(Duration.ofMinutes(10));
        assertThat(calls.summary().calls()).isZero();
    }

    @Test
    void reusesASlotWhenTheRingComesRoundWithoutAddingItsOldCounts() {
        calls.record(AttemptResult.SERVER_ERROR, ms(1));
        advance(RecentCalls.WINDOW); // the same slot of the ring, one lap later
        calls.record(AttemptResult.SUCCESS, ms(1));

        assertThat(calls.summary().calls()).isEqualTo(1);
        assertThat(calls.summary().failures()).isZero();
    }
}
