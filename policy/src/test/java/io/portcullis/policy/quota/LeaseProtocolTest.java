package io.portcullis.policy.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.spi.LeaseStore.Grant;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The bookkeeping of a lease's store calls, as pure values: no lease, no store, no threads. */
class LeaseProtocolTest {

    private static final long NOW = 1_800_000_000_000L;
    private static final long CHUNK = 1_000;

    /** What a lease knows after its first grant: {@code remaining} left at the store. */
    private static LeaseProtocol afterAGrant(long granted, long remaining) {
        return LeaseProtocol.NEW.claimedBy(new LeaseRefill())
                .landed(new Grant(granted, remaining, Duration.ZERO), true, false, NOW);
    }

    @Test
    void aTopUpIsDueOnlyWithNoRefillInFlightAndAChunkToSpareAtTheStore() {
        var granted = afterAGrant(CHUNK, 5 * CHUNK);
        assertThat(granted.topUpDue(CHUNK, NOW)).isTrue();
        assertThat(granted.claimedBy(new LeaseRefill()).topUpDue(CHUNK, NOW)).as("a refill in flight").isFalse();
        assertThat(afterAGrant(CHUNK, CHUNK - 1).topUpDue(CHUNK, NOW)).as("less than a chunk left").isFalse();
    }

    @Test
    void aTopUpThatFoundTheStoreUnreachableHoldsOffTheNextForTheBackoff() {
        var unreachable = afterAGrant(CHUNK, 5 * CHUNK).claimedBy(new LeaseRefill()).landed(null, true, true, NOW);
        long backoff = LeaseProtocol.TOP_UP_BACKOFF.toMillis();
        assertThat(unreachable.refill()).isNull();
        assertThat(unreachable.topUpDue(CHUNK, NOW + backoff - 1)).isFalse();
        assertThat(unreachable.topUpDue(CHUNK, NOW + backoff)).isTrue();
        assertThat(unreachable.storeRemaining()).as("the last answer stands").isEqualTo(5 * CHUNK);
    }

    @Test
    void anUnreachableStoreHoldsOffNothingWhenTheCallWasNotATopUp() {
        // a caller that found the lease empty asked and waited itself: no backoff for the next one
        var unreachable = afterAGrant(CHUNK, 5 * CHUNK).claimedBy(new LeaseRefill()).landed(null, true, false, NOW);
        assertThat(unreachable.topUpDue(CHUNK, NOW)).isTrue();
    }

    @Test
    void aGrantSetsTheStoresFigureAndTheNextLowWaterMarkFromHowFastThePreviousOneWent() {
        var first = afterAGrant(CHUNK, 9 * CHUNK);
        assertThat(first.storeRemaining()).isEqualTo(9 * CHUNK);
        assertThat(first.lastGrant()).isEqualTo(CHUNK);
        assertThat(first.lastGrantAt()).isEqualTo(NOW);
        assertThat(first.lowWater(CHUNK)).isEqualTo(LowWater.after(CHUNK, 0, NOW));

        var second = first.claimedBy(new LeaseRefill()).landed(new Grant(2 * CHUNK, 7 * CHUNK, Duration.ZERO), true,
                true, NOW + 250);
        assertThat(second.lowWater(CHUNK)).isEqualTo(LowWater.after(2 * CHUNK, CHUNK, 250));
        assertThat(second.lastGrantAt()).isEqualTo(NOW + 250);
    }

    @Test
    void aRefusalKeepsTheLowWaterMarkAndTheLastGrant() {
        var first = afterAGrant(CHUNK, 9 * CHUNK);
        var refused = first.claimedBy(new LeaseRefill()).landed(Grant.refused(0, Duration.ofSeconds(5)), true, true,
                NOW + 1_000);
        assertThat(refused.storeRemaining()).isZero();
        assertThat(refused.lowWater(CHUNK)).isEqualTo(first.lowWater(CHUNK));
        assertThat(refused.lastGrant()).isEqualTo(CHUNK);
        assertThat(refused.lastGrantAt()).isEqualTo(NOW);
    }

    @Test
    void beforeAnyGrantTheLowWaterMarkIsTheInitialShareOfAChunk() {
        assertThat(LeaseProtocol.NEW.lowWater(CHUNK)).isEqualTo(LowWater.initial(CHUNK));
    }

    @Test
    void whatIsGivenBackOrChargedMovesTheStoresFigureNeverBelowZero() {
        var granted = afterAGrant(CHUNK, 500);
        assertThat(granted.seen(40).storeRemaining()).isEqualTo(540);
        assertThat(granted.seen(-40).storeRemaining()).isEqualTo(460);
        assertThat(granted.seen(-10_000).storeRemaining()).isZero();
    }

    @Test
    void theStoresFigureIsLeftAloneBeforeItsFirstAnswerAndWhileARefillWillReplaceIt() {
        assertThat(LeaseProtocol.NEW.seen(-40)).isSameAs(LeaseProtocol.NEW);
        var inFlight = afterAGrant(CHUNK, 500).claimedBy(new LeaseRefill());
        assertThat(inFlight.seen(-40)).isSameAs(inFlight);
    }
}
