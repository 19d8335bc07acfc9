package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The sweeper's decision on one call, on a clock the test moves: a 60 s response (head) timeout
 * and a 10 s idle (body read) timeout, as the gateway's defaults are shaped.
 */
class CallWatchTest {

    private static final long HEAD = TimeUnit.SECONDS.toNanos(60);
    private static final long IDLE = TimeUnit.SECONDS.toNanos(10);

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final AtomicInteger cancels = new AtomicInteger();
    private final CallWatch watch = new CallWatch(cancels::incrementAndGet, clock::get);

    private long at(long seconds) {
        return clock.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    @Test
    void leavesACallAloneThatMovedFromItsHeadToItsBodyWhileTheSweeperLooked() {
        watch.waiting(HEAD);
        at(30);
        CallWatch.Wait seen = watch.current(); // the sweeper reads the call's state...

        // ...and before it decides, the head arrives and the first body read starts
        watch.done();
        watch.waiting(IDLE);
        long now = clock.get();
        watch.expireIfStalled(seen, now);
        watch.expireIfStalled(now);

        // The old watch kept the start (read first: 30 s ago) and the limit (read second: now the
        // idle 10 s) in two fields, saw 30 s > 10 s and cancelled this healthy call.
        assertThat(cancels).hasValue(0);
        assertThat(watch.timedOut()).isFalse();
    }

    @Test
    void doesNotCancelAReadThatStartedAfterTheOverdueWaitTheSweeperJudged() {
        watch.waiting(HEAD);
        long now = at(61);
        CallWatch.Wait seen = watch.current(); // overdue when read

        watch.done(); // the head arrived just in time after all
        watch.waiting(IDLE);
        watch.expireIfStalled(seen, now);

        assertThat(cancels).hasValue(0);
        assertThat(watch.timedOut()).isFalse();
    }

    @Test
    void cancelsABodyReadSilentPastTheIdleTimeoutOnce() {
        watch.waiting(HEAD);
        at(5);
        watch.done();
        watch.waiting(IDLE);

        watch.expireIfStalled(at(10)); // exactly the limit: not over it
        assertThat(cancels).hasValue(0);

        watch.expireIfStalled(at(1));
        watch.expireIfStalled(at(1));
        assertThat(cancels).hasValue(1);
        assertThat(watch.timedOut()).isTrue();
    }

    @Test
    void cancelsACallWhoseHeadIsLate() {
        watch.waiting(HEAD);
        watch.expireIfStalled(at(59));
        assertThat(cancels).hasValue(0);

        watch.expireIfStalled(at(2));
        assertThat(cancels).hasValue(1);
        assertThat(watch.timedOut()).isTrue();
    }

    @Test
    void neverCancelsBetweenReads() {
        watch.waiting(IDLE);
        watch.done();

        watch.expireIfStalled(at(3600));

        assertThat(cancels).hasValue(0);
        assertThat(watch.current()).isNull();
    }
}
