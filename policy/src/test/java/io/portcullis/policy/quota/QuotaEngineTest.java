package io.portcullis.policy.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.Decision;
import io.portcullis.policy.DenialReason;
import io.portcullis.policy.Limits;
import io.portcullis.policy.spi.InMemoryLeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class QuotaEngineTest {

    private static final Instant NOON = Instant.parse("2026-11-27T12:00:00Z");
    private final InMemoryLeaseStore store = new InMemoryLeaseStore();
    private final QuotaEngine engine = new QuotaEngine(store, new CalendarWindows(ZoneOffset.UTC));

    private static Limits limits(Long rpm, Long tpm, Long tpd, Long tpmonth, Long spend, Long concurrent) {
        return new Limits(rpm, tpm, tpd, tpmonth, spend, null, concurrent);
    }

    private static QuotaRequest request(Limits key, long tokens) {
        return new QuotaRequest("key:k1", key, null, null, tokens, 0);
    }

    private static DenialReason reason(QuotaEngine.Admission a) {
        return ((Decision.Denied) a.decision()).reason();
    }

    @Test
    void admitsEverythingWhenNoLimitIsSet() {
        var a = engine.admit(request(Limits.NONE, 1_000_000), NOON);
        assertThat(a.allowed()).isTrue();
        assertThat(a.reservation().isEmpty()).isTrue();
    }

    @Test
    void deniesWhenTheDailyTokenBudgetIsExhaustedUntilMidnight() {
        var key = limits(null, null, 1000L, null, null, null);
        for (int i = 0; i < 10; i++) {
            assertThat(engine.admit(request(key, 100), NOON).allowed()).isTrue();
        }
        var denied = engine.admit(request(key, 1), NOON);
        assertThat(reason(denied)).isEqualTo(DenialReason.TOKENS_PER_DAY);
        assertThat(((Decision.Denied) denied.decision()).retryAfter()).isEqualTo(Duration.ofHours(12));
        assertThat(engine.admit(request(key, 100), Instant.parse("2026-11-28T00:00:00Z")).allowed()).isTrue();
    }

    @Test
    void dailyWindowRollsOverAtLocalMidnightInTheConfiguredZone() {
        var paris = new QuotaEngine(store, new CalendarWindows(ZoneId.of("Europe/Paris")));
        var key = limits(null, null, 100L, null, null, null);
        // 22:59 UTC is 23:59 in Paris (UTC+1 in November)
        assertThat(paris.admit(request(key, 100), Instant.parse("2026-11-27T22:59:00Z")).allowed()).isTrue();
        assertThat(paris.admit(request(key, 1), Instant.parse("2026-11-27T22:59:59Z")).allowed()).isFalse();
        assertThat(paris.admit(request(key, 100), Instant.parse("2026-11-27T23:00:00Z")).allowed()).isTrue();
    }

    @Test
    void monthlyBudgetFollowsTheCalendarMonthNotThirtyDays() {
        var ny = new QuotaEngine(store, new CalendarWindows(ZoneId.of("America/New_York")));
        var key = limits(null, null, null, 500L, null, null);
        // 31 January, 23:30 in New York (04:30 UTC on 1 February)
        Instant lateJanuary = Instant.parse("2027-02-01T04:30:00Z");
        assertThat(ny.admit(request(key, 500), lateJanuary).allowed()).isTrue();
        var denied = ny.admit(request(key, 1), lateJanuary);
        assertThat(reason(denied)).isEqualTo(DenialReason.TOKENS_PER_MONTH);
        assertThat(((Decision.Denied) denied.decision()).retryAfter()).isEqualTo(Duration.ofMinutes(30));
        assertThat(ny.admit(request(key, 500), Instant.parse("2027-02-01T05:00:00Z")).allowed()).isTrue();
    }

    @Test
    void requestsPerMinuteRefillSmoothlyAndSayWhenToRetry() {
        var key = limits(60L, null, null, null, null, null);
        for (int i = 0; i < 60; i++) {
            assertThat(engine.admit(request(key, 0), NOON).allowed()).isTrue();
        }
        var denied = engine.admit(request(key, 0), NOON);
        assertThat(reason(denied)).isEqualTo(DenialReason.REQUESTS_PER_MINUTE);
        assertThat(((Decision.Denied) denied.decision()).retryAfter()).isPositive()
                .isLessThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(engine.admit(request(key, 0), NOON.plusSeconds(1)).allowed()).isTrue();
    }

    @Test
    void tokensPerMinuteCountTheEstimate() {
        var key = limits(null, 1000L, null, null, null, null);
        assertThat(engine.admit(request(key, 600), NOON).allowed()).isTrue();
        assertThat(reason(engine.admit(request(key, 600), NOON))).isEqualTo(DenialReason.TOKENS_PER_MINUTE);
    }

    @Test
    void aRequestLargerThanTheWholeLimitIsRefusedForGood() {
        var key = limits(null, 1000L, null, null, null, null);
        var denied = engine.admit(request(key, 1001), NOON);
        assertThat(reason(denied)).isEqualTo(DenialReason.TOKENS_PER_MINUTE);
        assertThat(((Decision.Denied) denied.decision()).retryAfter()).isZero();
    }

    @Test
    void concurrencySlotsAreFreedBySettling() {
        var key = limits(null, null, null, null, null, 2L);
        var first = engine.admit(request(key, 0), NOON);
        var second = engine.admit(request(key, 0), NOON);
        assertThat(first.allowed()).isTrue();
        assertThat(second.allowed()).isTrue();
        assertThat(reason(engine.admit(request(key, 0), NOON))).isEqualTo(DenialReason.CONCURRENCY);
        engine.settle(first.reservation(), 0, 0, NOON);
        assertThat(engine.admit(request(key, 0), NOON).allowed()).isTrue();
    }

    @Test
    void settlingGivesBackTheUnusedEstimate() {
        var key = limits(null, null, 1000L, null, null, null);
        var a = engine.admit(request(key, 1000), NOON);
        assertThat(engine.admit(request(key, 1), NOON).allowed()).isFalse();
        engine.settle(a.reservation(), 300, 0, NOON);
        assertThat(engine.admit(request(key, 700), NOON).allowed()).isTrue();
        assertThat(engine.admit(request(key, 1), NOON).allowed()).isFalse();
    }

    @Test
    void usageBeyondTheReservationIsChargedToTheSharedBudget() {
        var key = limits(null, null, 1000L, null, null, null);
        var a = engine.admit(request(key, 100), NOON);
        engine.settle(a.reservation(), 400, 0, NOON);
        engine.returnIdleLeases(Duration.ZERO, NOON);
        assertThat(store.used(new LeaseKey("key:k1", Metric.TOKENS_PER_DAY,
                Instant.parse("2026-11-27T00:00:00Z").getEpochSecond()))).isEqualTo(400);
    }

    @Test
    void aTeamLimitCountsEveryKeyOfTheTeam() {
        var team = limits(null, null, 1000L, null, null, null);
        var keyA = new QuotaRequest("key:a", Limits.NONE, "team:t", team, 600, 0);
        var keyB = new QuotaRequest("key:b", Limits.NONE, "team:t", team, 600, 0);
        assertThat(engine.admit(keyA, NOON).allowed()).isTrue();
        var denied = engine.admit(keyB, NOON);
        assertThat(reason(denied)).isEqualTo(DenialReason.TOKENS_PER_DAY);
        assertThat(((Decision.Denied) denied.decision()).message()).contains("team");
    }

    @Test
    void aDenialByTheTeamDoesNotConsumeTheKeysOwnQuota() {
        var key = limits(null, null, 1000L, null, null, null);
        var team = limits(null, null, 500L, null, null, null);
        assertThat(engine.admit(new QuotaRequest("key:a", key, "team:t", team, 600, 0), NOON).allowed()).isFalse();
        // the key's 1000 are untouched: 1000 fit once the team allows it
        assertThat(engine.admit(new QuotaRequest("key:a", key, null, null, 1000, 0), NOON).allowed()).isTrue();
    }

    @Test
    void spendIsBudgetedInExactMicroDollars() {
        var key = limits(null, null, null, null, 1_000_000L, null); // $1.00
        var price = new ModelPrice(new java.math.BigDecimal("2.50"), new java.math.BigDecimal("10.00"), null);
        long cost = price.costMicros(1000, 0, 500); // 1000 * 2.5 + 500 * 10 = 7,500 micro-dollars
        assertThat(cost).isEqualTo(7_500);
        for (int i = 0; i < 133; i++) {
            assertThat(engine.admit(new QuotaRequest("key:k1", key, null, null, 0, cost), NOON).allowed()).isTrue();
        }
        assertThat(reason(engine.admit(new QuotaRequest("key:k1", key, null, null, 0, cost), NOON)))
                .isEqualTo(DenialReason.SPEND_PER_MONTH);
    }

    @Test
    void idleLeasesGoBackSoAnotherReplicaCanUseThem() {
        var key = limits(null, null, 1000L, null, null, null);
        var replicaB = new QuotaEngine(store, new CalendarWindows(ZoneOffset.UTC));
        var a = engine.admit(request(key, 10), NOON);
        engine.settle(a.reservation(), 10, 0, NOON);
        // replica A leased a chunk beyond its 10 tokens; B cannot have the full remainder yet
        assertThat(replicaB.admit(request(key, 990), NOON).allowed()).isFalse();
        engine.returnIdleLeases(Duration.ofSeconds(1), NOON.plusSeconds(2));
        assertThat(replicaB.admit(request(key, 990), NOON.plusSeconds(2)).allowed()).isTrue();
    }

    @Test
    void refusesWithQuotaUnavailableWhenTheStoreIsDownAndNoLeaseCovers() {
        var key = limits(null, null, 100_000L, null, null, null);
        assertThat(engine.admit(request(key, 10), NOON).allowed()).isTrue(); // leases a chunk
        store.setDown(true);
        assertThat(engine.admit(request(key, 10), NOON).allowed()).as("served from the lease").isTrue();
        assertThat(reason(engine.admit(request(key, 50_000), NOON))).isEqualTo(DenialReason.QUOTA_UNAVAILABLE);
    }

    @Test
    void twoReplicasHammeringOneBudgetNeverAdmitMoreThanIt() throws Exception {
        var key = limits(null, null, 10_000L, null, null, null);
        var replicas = new QuotaEngine[] {engine, new QuotaEngine(store, new CalendarWindows(ZoneOffset.UTC))};
        var admitted = new AtomicLong();
        var threads = new ArrayList<Thread>();
        for (int t = 0; t < 16; t++) {
            QuotaEngine replica = replicas[t % 2];
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 200; i++) {
                    var a = replica.admit(request(key, 7), NOON);
                    if (a.allowed()) {
                        admitted.addAndGet(7);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(admitted.get()).isLessThanOrEqualTo(10_000).isGreaterThan(9_000);
    }

    private static Thread admitInBackground(QuotaEngine engine, QuotaRequest request, List<Decision> out) {
        return Thread.ofPlatform().start(() -> {
            var a = engine.admit(request, NOON);
            synchronized (out) {
                out.add(a.decision());
            }
        });
    }

    /**
     * Admits {@code first}, holds its store call at the gate until every one of {@code others} is
     * parked waiting, then lets it through; returns every decision.
     */
    private static List<Decision> admitWhileARefillIsHeld(QuotaEngine replica, GatedLeaseStore gated,
                                                          QuotaRequest first, QuotaRequest... others)
            throws InterruptedException {
        gated.gated = true;
        var decisions = new ArrayList<Decision>();
        var waiting = new ArrayList<Thread>();
        Thread refiller = admitInBackground(replica, first, decisions);
        assertThat(gated.arrived.await(10, TimeUnit.SECONDS)).isTrue();
        for (QuotaRequest other : others) {
            waiting.add(admitInBackground(replica, other, decisions));
        }
        awaitWaiting(waiting.toArray(Thread[]::new));
        gated.gate.countDown();
        refiller.join(10_000);
        for (Thread t : waiting) {
            t.join(10_000);
        }
        return decisions;
    }

    private static void awaitWaiting(Thread... threads) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Thread t : threads) {
            while (t.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(t.getState()).as("%s parked", t).isEqualTo(Thread.State.WAITING);
        }
    }

    @Test
    void aDryLeaseIsRefilledByOneCallerWhileTheOthersWaitForItsAnswer() throws Exception {
        try (var gated = new GatedLeaseStore()) {
            var replica = new QuotaEngine(gated, new CalendarWindows(ZoneOffset.UTC));
            var key = limits(null, null, 3_200L, null, null, null); // a chunk is 100 tokens
            var decisions = admitWhileARefillIsHeld(replica, gated, request(key, 40), request(key, 15), request(key, 15));
            assertThat(decisions).hasSize(3).allMatch(Decision::isAllowed);
            assertThat(gated.acquires).as("one round trip served all three").hasValue(1);
        }
    }

    @Test
    void aLeaseRunningLowIsToppedUpWhileOthersGoOnSpendingWhatIsLeft() throws Exception {
        try (var gated = new GatedLeaseStore()) {
            var replica = new QuotaEngine(gated, new CalendarWindows(ZoneOffset.UTC));
            var key = limits(null, null, 3_200L, null, null, null); // a chunk is 100 tokens; low under 25
            // leases 100, 30 left; ten seconds before the top-up, a slow drain, so its mark stays at a quarter
            assertThat(replica.admit(request(key, 70), NOON.minusSeconds(10)).allowed()).isTrue();
            gated.gated = true;
            var decisions = new ArrayList<Decision>();
            Thread low = admitInBackground(replica, request(key, 10), decisions); // 20 left: tops up
            assertThat(gated.arrived.await(10, TimeUnit.SECONDS)).isTrue();
            // the top-up is held at the store; what is left still serves others at once
            Thread meanwhile = admitInBackground(replica, request(key, 15), decisions);
            meanwhile.join(10_000);
            boolean servedAtOnce = !meanwhile.isAlive();
            gated.gate.countDown();
            low.join(10_000);
            meanwhile.join(10_000);
            assertThat(servedAtOnce).as("served while the top-up was at the store").isTrue();
            assertThat(decisions).hasSize(2).allMatch(Decision::isAllowed);
            assertThat(gated.acquires).hasValue(2);
            gated.gated = false;
            assertThat(replica.admit(request(key, 80), NOON).allowed()).as("the top-up arrived").isTrue();
            assertThat(gated.acquires).hasValue(2);
        }
    }

    @Test
    void waitersOnARefusedRefillAreRefusedWithoutAskingTheStoreAgainUnlessTheyMightStillFit() throws Exception {
        try (var gated = new GatedLeaseStore()) {
            var key = limits(null, null, 1_000L, null, null, null);
            var other = new QuotaEngine(gated, new CalendarWindows(ZoneOffset.UTC));
            assertThat(other.admit(request(key, 990), NOON).allowed()).isTrue(); // the other replica holds 990
            var replica = new QuotaEngine(gated, new CalendarWindows(ZoneOffset.UTC));
            int before = gated.acquires.get();
            var decisions = admitWhileARefillIsHeld(replica, gated, request(key, 50),
                    request(key, 40), request(key, 20), request(key, 5)); // the 10 left would fit the last
            assertThat(decisions).hasSize(4).filteredOn(Decision::isAllowed).hasSize(1);
            assertThat(decisions).filteredOn(d -> !d.isAllowed())
                    .allMatch(d -> ((Decision.Denied) d).reason() == DenialReason.TOKENS_PER_DAY);
            assertThat(gated.acquires.get() - before).as("the refiller and the one that might fit").isEqualTo(2);
        }
    }

    @Test
    void aSlotSettledIntoAForgottenLeaseGoesBackToTheStore() {
        var key = limits(null, null, null, null, null, 8L); // a chunk is one slot
        var slots = new LeaseKey("key:k1", Metric.CONCURRENT_REQUESTS, 0);
        var stream = engine.admit(request(key, 10), NOON);
        assertThat(stream.allowed()).isTrue();
        // an eleven-minute stream: its lease, empty and unused that long, is forgotten meanwhile
        Instant later = NOON.plus(Duration.ofMinutes(11));
        engine.returnIdleLeases(QuotaEngine.DEFAULT_IDLE, later);
        assertThat(engine.leaseCount()).isZero();
        engine.settle(stream.reservation(), 10, 0, later);
        assertThat(store.used(slots)).as("the slot is not lost with the lease").isZero();
    }

    @Test
    void concurrentRequestsNeverHoldMoreSlotsThanTheLimitAndGiveThemAllBack() throws Exception {
        var key = limits(null, null, null, null, null, 4L);
        var inFlight = new AtomicInteger();
        var most = new AtomicInteger();
        var admitted = new AtomicInteger();
        var threads = new ArrayList<Thread>();
        for (int t = 0; t < 16; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 500; i++) {
                    var a = engine.admit(request(key, 1), NOON);
                    if (!a.allowed()) {
                        continue;
                    }
                    most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    admitted.incrementAndGet();
                    // hold the slot a while, so that a fifth admitted meanwhile would be counted
                    LockSupport.parkNanos(50_000);
                    inFlight.decrementAndGet(); // before settling: the slot is held until then
                    engine.settle(a.reservation(), 1, 0, NOON);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(most.get()).isLessThanOrEqualTo(4);
        assertThat(admitted.get()).isGreaterThan(0);
        engine.returnIdleLeases(Duration.ZERO, NOON);
        assertThat(store.used(new LeaseKey("key:k1", Metric.CONCURRENT_REQUESTS, 0))).isZero();
    }

    @Test
    void whileTheStoreIsDownALowLeaseServesWithoutATopUpAttemptPerRequest() {
        try (var counted = new GatedLeaseStore()) {
            var replica = new QuotaEngine(counted, new CalendarWindows(ZoneOffset.UTC));
            var key = limits(null, null, 3_200L, null, null, null); // a chunk is 100 tokens; low under 25
            assertThat(replica.admit(request(key, 70), NOON).allowed()).isTrue(); // 30 left
            counted.setDown(true);
            assertThat(replica.admit(request(key, 10), NOON).allowed()).isTrue(); // 20 left: a top-up fails
            assertThat(counted.acquires).hasValue(2);
            assertThat(replica.admit(request(key, 5), NOON.plusMillis(500)).allowed()).isTrue();
            assertThat(counted.acquires).as("no second try within the back-off").hasValue(2);
            assertThat(replica.admit(request(key, 5), NOON.plusSeconds(2)).allowed()).isTrue();
            assertThat(counted.acquires).as("tried again after it").hasValue(3);
        }
    }

    @Test
    void aLeaseForgottenWhileARequestIsOnItsWayToItSendsWhatItsRefillBringsBackToTheStore() throws Exception {
        try (var gated = new GatedLeaseStore()) {
            var replica = new QuotaEngine(gated, new CalendarWindows(ZoneOffset.UTC));
            var key = limits(16L, null, 3_200L, null, null, null); // a request slice is one; a daily chunk 100 tokens
            var daily = new LeaseKey("key:k1", Metric.TOKENS_PER_DAY, Instant.parse("2026-11-27T00:00:00Z").getEpochSecond());
            var first = replica.admit(request(key, 10), NOON); // leases 100 tokens, takes 10
            replica.settle(first.reservation(), 100, 0, NOON); // used 100: the daily lease is empty
            Instant later = NOON.plus(Duration.ofMinutes(11));
            gated.gated = true;
            var second = new AtomicReference<QuotaEngine.Admission>();
            Thread request = Thread.ofPlatform().start(() -> second.set(replica.admit(request(key, 10), later)));
            // its plan is in hand; its per-minute slice is at the store when maintenance forgets the
            // daily lease (empty, unused for eleven minutes), which the request reaches next
            assertThat(gated.arrived.await(10, TimeUnit.SECONDS)).isTrue();
            replica.returnIdleLeases(QuotaEngine.DEFAULT_IDLE, later);
            gated.gate.countDown();
            request.join(10_000);
            assertThat(second.get().allowed()).isTrue();
            replica.settle(second.get().reservation(), 10, 0, later);
            replica.returnIdleLeases(Duration.ZERO, later);
            assertThat(gated.used(daily)).as("100 then 10 used, nothing stranded in the forgotten lease").isEqualTo(110);
        }
    }

    @Test
    void aLeaseRetiredAtMidnightWhileItsRefillIsAtTheStoreSendsTheRefillBack() throws Exception {
        try (var gated = new GatedLeaseStore()) {
            var replica = new QuotaEngine(gated, new CalendarWindows(ZoneOffset.UTC));
            var key = limits(null, null, 3_200L, null, null, null); // a chunk is 100 tokens
            Instant beforeMidnight = Instant.parse("2026-11-27T23:59:59Z");
            var daily = new LeaseKey("key:k1", Metric.TOKENS_PER_DAY, Instant.parse("2026-11-27T00:00:00Z").getEpochSecond());
            gated.gated = true;
            var admission = new AtomicReference<QuotaEngine.Admission>();
            Thread request = Thread.ofPlatform().start(() -> admission.set(replica.admit(request(key, 10), beforeMidnight)));
            assertThat(gated.arrived.await(10, TimeUnit.SECONDS)).isTrue();
            replica.returnIdleLeases(QuotaEngine.DEFAULT_IDLE, Instant.parse("2026-11-28T00:00:00Z")); // the day is over
            gated.gate.countDown();
            request.join(10_000);
            assertThat(admission.get().allowed()).isTrue();
            assertThat(gated.used(daily)).as("the request's 10, not the chunk the refill brought").isEqualTo(10);
        }
    }
}
