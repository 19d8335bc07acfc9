package io.portcullis.policy.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.spi.InMemoryLeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The lease's own protocol, without the engine around it. */
class LeaseTest {

    private static final Instant NOON = Instant.parse("2026-11-27T12:00:00Z");
    private static final LeaseKey DAILY = new LeaseKey("key:k1", Metric.TOKENS_PER_DAY,
            Instant.parse("2026-11-27T00:00:00Z").getEpochSecond());

    @Test
    void unitsGivenBackToAForgottenLeaseGoStraightToTheStore() {
        var store = new InMemoryLeaseStore();
        var lease = new Lease(DAILY, store, Runnable::run, RefillObserver.NONE);
        assertThat(lease.take(100, 100, NOON)).isEqualTo(TakeOutcome.TAKEN); // the whole budget: nothing left
        Instant later = NOON.plus(Duration.ofMinutes(11));
        assertThat(lease.retireIfForgotten(Duration.ofMinutes(10), later)).isTrue();
        lease.giveBack(40, later); // a long request settles: it used 60
        assertThat(store.used(DAILY)).isEqualTo(60);
        assertThat(lease.remaining(100)).as("the store's last answer plus what was given back; the lease holds nothing")
                .isEqualTo(40);
    }

    @Test
    void aLeaseInUseOrHoldingUnitsIsNotForgotten() {
        var store = new InMemoryLeaseStore();
        var lease = new Lease(DAILY, store, Runnable::run, RefillObserver.NONE);
        assertThat(lease.take(10, 3_200, NOON)).isEqualTo(TakeOutcome.TAKEN); // holds the other 90 of its chunk
        assertThat(lease.retireIfForgotten(Duration.ofMinutes(10), NOON.plus(Duration.ofMinutes(11)))).isFalse();
        lease.returnIfIdle(Duration.ofSeconds(1), NOON.plus(Duration.ofMinutes(11)));
        assertThat(store.used(DAILY)).isEqualTo(10);
        assertThat(lease.retireIfForgotten(Duration.ofMinutes(10), NOON.plus(Duration.ofMinutes(9)))).isFalse();
        assertThat(lease.retired()).isFalse();
    }

    @Test
    void aRefillThatEndsInAnErrorStillAnswersTheCallersWaitingForIt() throws Exception {
        try (var gated = new GatedLeaseStore()) {
            var lease = new Lease(DAILY, gated, Runnable::run, RefillObserver.NONE);
            gated.gated = true;
            var refillerSaw = new AtomicReference<Throwable>();
            var waiterGot = new AtomicReference<TakeOutcome>();
            Thread refiller = Thread.ofPlatform().start(() -> {
                try {
                    lease.take(10, 3_200, NOON);
                } catch (Throwable t) {
                    refillerSaw.set(t);
                }
            });
            assertThat(gated.arrived.await(10, TimeUnit.SECONDS)).isTrue();
            Thread waiter = Thread.ofPlatform().start(() -> waiterGot.set(lease.take(10, 3_200, NOON)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (waiter.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(waiter.getState()).as("waiting for the refiller's answer").isEqualTo(Thread.State.WAITING);
            gated.failure = new StackOverflowError("in the store driver");
            gated.gate.countDown();
            refiller.join(10_000);
            waiter.join(10_000);
            assertThat(refillerSaw.get()).as("the error reaches its caller").isInstanceOf(StackOverflowError.class);
            assertThat(waiterGot.get()).isEqualTo(TakeOutcome.UNREACHABLE);
            gated.failure = null;
            assertThat(lease.take(10, 3_200, NOON)).as("the lease is not stuck refilling").isEqualTo(TakeOutcome.TAKEN);
        }
    }
}
