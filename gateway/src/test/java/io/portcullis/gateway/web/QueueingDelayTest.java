package io.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** CoDel's test on the wait for a thread, driven by a fake clock (nanoseconds passed in). */
class QueueingDelayTest {

    private static final long MS = 1_000_000;
    private static final Duration TARGET = Duration.ofMillis(5);
    private static final Duration INTERVAL = Duration.ofMillis(100);

    private long now = 1_000 * MS; // any origin: only differences count
    private final QueueingDelay delay = new QueueingDelay(TARGET, INTERVAL, now);

    /** Requests arrive every millisecond for {@code millis}, each having waited {@code waitedMs}. */
    private void dispatches(long millis, long waitedMs) {
        for (int i = 0; i < millis; i++) {
            now += MS;
            delay.record(waitedMs * MS, now);
        }
    }

    @Test
    void shedsRequestsThatQueuedOnceTheSmallestWaitStaysAboveTheTargetForAnInterval() {
        dispatches(100, 20);
        dispatches(1, 20); // closes the interval

        assertThat(delay.overloaded()).isTrue();
        assertThat(delay.standingDelayNanos()).isEqualTo(20 * MS);
        assertThat(delay.sheds(20 * MS)).isTrue();
        assertThat(delay.sheds(6 * MS)).isTrue();
    }

    @Test
    void stillServesARequestThatCameThroughQuicklyWhileOverloaded() {
        dispatches(101, 20);

        assertThat(delay.sheds(5 * MS)).as("at the target").isFalse();
        assertThat(delay.sheds(1 * MS)).isFalse();
    }

    @Test
    void shedsNothingBeforeAWholeIntervalHasPassed() {
        dispatches(99, 50);

        assertThat(delay.overloaded()).isFalse();
        assertThat(delay.sheds(50 * MS)).isFalse();
    }

    @Test
    void aBurstWithOneQuickRequestInTheIntervalIsNotAStandingQueue() {
        dispatches(50, 40);
        dispatches(1, 2); // the queue drained once: the burst was absorbed
        dispatches(50, 40);

        assertThat(delay.overloaded()).isFalse();
        assertThat(delay.sheds(40 * MS)).isFalse();
        assertThat(delay.standingDelayNanos()).isEqualTo(2 * MS);
    }

    @Test
    void recoversAfterAWholeIntervalWithoutALateRequest() {
        dispatches(101, 20);
        assertThat(delay.sheds(20 * MS)).isTrue();

        dispatches(100, 3);
        assertThat(delay.overloaded()).as("the interval that just closed still held a late request").isTrue();
        dispatches(100, 3);

        assertThat(delay.overloaded()).isFalse();
        assertThat(delay.sheds(20 * MS)).as("a straggler after recovery").isFalse();
    }

    @Test
    void aWaitExactlyAtTheTargetIsNotAQueue() {
        dispatches(101, 5);

        assertThat(delay.overloaded()).isFalse();
    }

    @Test
    void neverShedsOnTheWaitForABackend() {
        // Requests come through quickly, then wait seconds for a slow model or hold streams open:
        // those waits park a thread without a dispatch and are never recorded, so the replica
        // keeps serving however long they take.
        dispatches(1_000, 1);
        now += Duration.ofSeconds(30).toNanos(); // nothing dispatched while the backend thinks
        dispatches(1, 1);

        assertThat(delay.overloaded()).isFalse();
        assertThat(delay.sheds(Duration.ofSeconds(30).toNanos())).isFalse();
    }

    @Test
    void anIdleIntervalLeavesTheVerdictToTheNextDispatch() {
        dispatches(101, 20);
        now += Duration.ofSeconds(10).toNanos(); // idle: no dispatch closes an interval

        delay.record(1 * MS, now + MS); // the first request after the lull came through at once

        assertThat(delay.overloaded()).isFalse();
        assertThat(delay.standingDelayNanos()).isEqualTo(1 * MS);
    }

    @Test
    void staysOverloadedWhileRequestsStillArriveLateThoughTheServedOnesCameThroughQuickly() {
        dispatches(101, 20);
        assertThat(delay.overloaded()).isTrue();

        // shedding works: the admitted requests waited 1 ms, but every other one still came late
        for (int interval = 0; interval < 5; interval++) {
            for (int i = 0; i < 50; i++) {
                dispatches(1, 1);
                dispatches(1, 20);
            }
            assertThat(delay.overloaded()).as("interval %d", interval).isTrue();
            assertThat(delay.sheds(20 * MS)).isTrue();
        }

        dispatches(201, 2); // a whole interval without a late request
        assertThat(delay.overloaded()).isFalse();
        assertThat(delay.sheds(20 * MS)).isFalse();
    }

    @Test
    void leavesTheOverloadedStateWhenStartsComeLateOnlyNowAndThenAmongQuickOnes() {
        dispatches(101, 20); // one stall long enough to look like a standing queue
        assertThat(delay.overloaded()).isTrue();

        // no queue: one start in ten comes late, as a CPU shared with other work takes turns
        for (int i = 0; i < 20; i++) {
            dispatches(9, 0);
            dispatches(1, 8);
        }

        assertThat(delay.overloaded()).isFalse();
        assertThat(delay.sheds(8 * MS)).isFalse();
        assertThat(delay.shedsOnArrival(now)).isFalse();
    }

    @Test
    void shedsOnArrivalOnlyWhileTheLatestDispatchWasLateAndRecent() {
        dispatches(101, 20);
        assertThat(delay.overloaded()).isTrue();
        assertThat(delay.shedsOnArrival(now)).as("the latest dispatch just came 20 ms late").isTrue();
        assertThat(delay.shedsOnArrival(now + 4 * MS)).isTrue();
        assertThat(delay.shedsOnArrival(now + 5 * MS))
                .as("no dispatch for a target's worth of time: arrivals are handed over again").isFalse();

        dispatches(1, 1); // the queue in front of the threads is short again
        assertThat(delay.overloaded()).isTrue();
        assertThat(delay.shedsOnArrival(now)).isFalse();
    }

    @Test
    void neverShedsOnArrivalWhileNotOverloaded() {
        dispatches(50, 40); // a burst: late, but not a whole interval of it

        assertThat(delay.overloaded()).isFalse();
        assertThat(delay.shedsOnArrival(now)).isFalse();
    }

    @Test
    void refusesANonPositiveTargetOrInterval() {
        assertThatThrownBy(() -> new QueueingDelay(Duration.ZERO, INTERVAL, now))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QueueingDelay(TARGET, Duration.ofMillis(-1), now))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
