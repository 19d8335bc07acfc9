package io.portcullis.policy.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.Limits;
import io.portcullis.policy.spi.InMemoryLeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Top-ups ahead of need: when a low lease goes to the store in the background, how often, and that
 * no unit is won or lost on the way. The background executor here is a queue the test runs by hand,
 * and time is a fake clock, so "before the lease empties" is exact.
 */
class LeaseTopUpTest {

    private static final Instant NOON = Instant.parse("2026-11-27T12:00:00Z");
    private static final LeaseKey DAILY = new LeaseKey("key:k1", Metric.TOKENS_PER_DAY,
            Instant.parse("2026-11-27T00:00:00Z").getEpochSecond());
    /** A daily budget whose chunk is 100 tokens: the first grant's mark is 25. */
    private static final Limits DAILY_3200 = new Limits(null, null, 3_200L, null, null, null, null);

    /** Runs nothing until told: what is queued is the top-ups started. */
    private static final class QueuedExecutor implements Executor {
        final ArrayDeque<Runnable> queued = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            queued.add(task);
        }

        void runAll() {
            while (!queued.isEmpty()) {
                queued.poll().run();
            }
        }
    }

    /** Counts store calls by path. */
    private static final class Counted implements RefillObserver {
        final Map<RefillPath, AtomicLong> counts = new EnumMap<>(RefillPath.class);

        Counted() {
            for (RefillPath path : RefillPath.values()) {
                counts.put(path, new AtomicLong());
            }
        }

        @Override
        public void refilled(RefillPath path) {
            counts.get(path).incrementAndGet();
        }

        long of(RefillPath path) {
            return counts.get(path).get();
        }
    }

    private final InMemoryLeaseStore store = new InMemoryLeaseStore();
    private final QueuedExecutor background = new QueuedExecutor();
    private final Counted refills = new Counted();
    private final QuotaEngine engine = new QuotaEngine(store, new CalendarWindows(ZoneOffset.UTC), background, refills);

    private QuotaEngine.Admission admit(long tokens, Instant now) {
        return engine.admit(new QuotaRequest("key:k1", DAILY_3200, null, null, tokens, 0), now);
    }

    @Test
    void aSteadyDrainStartsExactlyOneTopUpBeforeTheLeaseEmpties() {
        Instant now = NOON;
        assertThat(admit(1, now).allowed()).isTrue(); // the first chunk of 100: 99 held
        assertThat(refills.of(RefillPath.FOREGROUND)).isEqualTo(1);
        for (int i = 0; i < 74; i++) { // down to 25, the mark: still nothing started
            now = now.plusMillis(100);
            assertThat(admit(1, now).allowed()).isTrue();
        }
        assertThat(background.queued).isEmpty();
        for (int i = 0; i < 24; i++) { // under the mark, down to one token left: one top-up, however many requests
            now = now.plusMillis(100);
            assertThat(admit(1, now).allowed()).isTrue();
        }
        assertThat(background.queued).as("top-ups started while the lease drained").hasSize(1);
        assertThat(store.used(DAILY)).as("nothing asked of the store on the request path").isEqualTo(100);

        background.runAll(); // lands before the lease is empty
        assertThat(store.used(DAILY)).isEqualTo(200);
        for (int i = 0; i < 100; i++) { // the one token left and the whole top-up: never a wait
            now = now.plusMillis(100);
            assertThat(admit(1, now).allowed()).isTrue();
            background.runAll();
        }
        assertThat(refills.of(RefillPath.FOREGROUND)).as("only the very first request waited for the store").isEqualTo(1);
        assertThat(refills.of(RefillPath.BACKGROUND)).isEqualTo(2);
    }

    @Test
    void aFastDrainStartsTheNextTopUpEarlierThanASlowOne() {
        Instant now = NOON;
        admit(1, now);
        for (int i = 0; i < 75; i++) { // 99 to 24 in 75 ms: the top-up is started
            now = now.plusMillis(1);
            admit(1, now);
        }
        background.runAll(); // the second grant lands 76 ms after the first: 124 held
        assertThat(background.queued).isEmpty();
        for (int i = 0; i < 50; i++) { // to 74: under three quarters of the grant, where a fast drain puts the mark
            now = now.plusMillis(1);
            admit(1, now);
        }
        assertThat(background.queued).as("a drain of 100 tokens in 76 ms outruns a store call at a quarter").hasSize(1);
    }

    @Test
    void anIdleLeaseIsNeverToppedUp() {
        assertThat(admit(10, NOON).allowed()).isTrue(); // 90 held, above the mark
        for (int s = 1; s <= 1_200; s++) { // twenty quiet minutes of upkeep
            engine.returnIdleLeases(QuotaEngine.DEFAULT_IDLE, NOON.plusSeconds(s));
        }
        assertThat(background.queued).isEmpty();
        assertThat(refills.of(RefillPath.BACKGROUND)).isZero();
        assertThat(store.used(DAILY)).as("the idle lease went back; nothing was taken for it").isEqualTo(10);
    }

    @Test
    void aTopUpThatFindsTheStoreDownLosesNoToken() {
        Instant now = NOON;
        long taken = 0;
        for (int i = 0; i < 80; i++) { // 20 held, under the mark: a top-up is queued
            now = now.plusMillis(100);
            assertThat(admit(1, now).allowed()).isTrue();
            taken++;
        }
        assertThat(background.queued).hasSize(1);
        store.setDown(true);
        background.runAll(); // unreachable
        assertThat(refills.of(RefillPath.BACKGROUND)).isEqualTo(1);
        for (int i = 0; i < 20; i++) { // what the lease holds still serves; no top-up within the back-off
            now = now.plusMillis(10);
            assertThat(admit(1, now).allowed()).as("token %d of the 20 held", i).isTrue();
            taken++;
        }
        assertThat(background.queued).isEmpty();
        assertThat(admit(1, now).allowed()).as("the lease is empty and the store down").isFalse();
        store.setDown(false);
        assertThat(admit(1, now.plusSeconds(2)).allowed()).as("a foreground refill once it is back").isTrue();
        taken++;
        background.runAll();
        engine.returnIdleLeases(Duration.ZERO, now.plusSeconds(3));
        assertThat(store.used(DAILY)).as("the store counts exactly what was spent").isEqualTo(taken);
    }

    @Test
    void aTopUpTheExecutorRefusesLeavesTheLeaseToAForegroundRefill() {
        var refusing = new QuotaEngine(store, new CalendarWindows(ZoneOffset.UTC), task -> {
            throw new RejectedExecutionException("shutting down");
        }, refills);
        for (int i = 0; i < 250; i++) {
            assertThat(refusing.admit(new QuotaRequest("key:k1", DAILY_3200, null, null, 1, 0), NOON.plusMillis(i))
                    .allowed()).isTrue();
        }
        assertThat(refills.of(RefillPath.BACKGROUND)).isZero();
        assertThat(refills.of(RefillPath.FOREGROUND)).as("one per chunk of 100, never a claim left dangling").isEqualTo(3);
        refusing.returnIdleLeases(Duration.ZERO, NOON.plusSeconds(1));
        assertThat(store.used(DAILY)).isEqualTo(250);
    }

    @Test
    void sixteenThreadsOnTwoEnginesWithBackgroundTopUpsNeverPassTheLimitAndStrandNothing() throws Exception {
        long limit = 10_000;
        var tight = new Limits(null, null, limit, null, null, null, null);
        var admittedTokens = new AtomicLong();
        try (var topUps = Executors.newVirtualThreadPerTaskExecutor()) {
            var replicas = new QuotaEngine[] {
                new QuotaEngine(store, new CalendarWindows(ZoneOffset.UTC), topUps, refills),
                new QuotaEngine(store, new CalendarWindows(ZoneOffset.UTC), topUps, refills)};
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                QuotaEngine replica = replicas[t % 2];
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        var a = replica.admit(new QuotaRequest("key:k1", tight, null, null, 7, 0), NOON.plusMillis(i));
                        if (!a.allowed()) {
                            return;
                        }
                        admittedTokens.addAndGet(7);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join(30_000);
            }
            assertThat(admittedTokens.get()).isLessThanOrEqualTo(limit).isGreaterThan(limit * 9 / 10);
            topUps.close(); // every top-up has landed
            for (QuotaEngine replica : replicas) {
                replica.returnIdleLeases(Duration.ZERO, NOON.plusSeconds(60));
            }
        }
        assertThat(refills.of(RefillPath.BACKGROUND)).isPositive();
        assertThat(store.used(DAILY)).as("what was admitted, no unit stranded in a lease").isEqualTo(admittedTokens.get());
    }

    @Test
    void theMarkFollowsTheDrainWithinAQuarterAndThreeQuartersOfTheGrant() {
        assertThat(LowWater.after(100, 0, 5_000)).as("nothing known of the drain").isEqualTo(25);
        assertThat(LowWater.after(100, 100, 10_000)).as("slow: the floor").isEqualTo(25);
        assertThat(LowWater.after(100, 100, 500)).as("a store call spends half the previous grant").isEqualTo(50);
        assertThat(LowWater.after(100, 100, 0)).as("faster than a store call: the cap").isEqualTo(75);
        assertThat(LowWater.after(1_000_000_000_000_000L, 1_000_000_000_000_000L, 1)).as("no overflow at the maxima")
                .isEqualTo(750_000_000_000_000L);
    }
}
