package io.portcullis.policy.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.policy.Limits;
import io.portcullis.policy.spi.InMemoryLeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** What the engine says is used of a window limit (for alert thresholds) and who refused a request. */
class QuotaEngineUsageViewTest {

    private static final Instant NOON = Instant.parse("2026-11-27T12:00:00Z");
    private static final Limits DAILY_1000 = new Limits(null, null, 1000L, null, null, null, null);
    private final InMemoryLeaseStore store = new InMemoryLeaseStore();
    private final QuotaEngine engine = new QuotaEngine(store, new CalendarWindows(ZoneOffset.UTC));

    private QuotaEngine.Admission spend(String team, long reserve, long actual) {
        var admission = engine.admit(new QuotaRequest("key:k1", DAILY_1000, team, DAILY_1000, reserve, 0), NOON);
        if (admission.allowed()) {
            engine.settle(admission.reservation(), actual, 0, NOON);
        }
        return admission;
    }

    @Test
    void usedFollowsSettledTokensNotWhatTheLeaseHolds() {
        assertThat(engine.used("key:k1", Metric.TOKENS_PER_DAY, 1000, NOON)).isZero();
        spend(null, 100, 40);
        spend(null, 100, 60);
        assertThat(engine.used("key:k1", Metric.TOKENS_PER_DAY, 1000, NOON)).isEqualTo(100);
    }

    @Test
    void leasesGivenBackWhenIdleDoNotCountAsUsed() {
        spend(null, 100, 30);
        engine.returnIdleLeases(Duration.ZERO, NOON.plusSeconds(5));
        assertThat(engine.used("key:k1", Metric.TOKENS_PER_DAY, 1000, NOON.plusSeconds(5))).isEqualTo(30);
    }

    @Test
    void anOverrunChargedToTheStoreCountsAsUsed() {
        spend(null, 10, 500);
        assertThat(engine.used("key:k1", Metric.TOKENS_PER_DAY, 1000, NOON)).isEqualTo(500);
    }

    @Test
    void aNewWindowStartsFromNothing() {
        spend(null, 100, 100);
        assertThat(engine.used("key:k1", Metric.TOKENS_PER_DAY, 1000, NOON.plus(Duration.ofDays(1)))).isZero();
    }

    @Test
    void refusesToAnswerForALimitWithoutACalendarWindow() {
        assertThatThrownBy(() -> engine.used("key:k1", Metric.TOKENS_PER_MINUTE, 1000, NOON))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRefusalNamesTheScopeMetricAndWindowThatRefused() {
        spend("team:t1", 1000, 1000);
        var refused = spend("team:t1", 1, 1);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.refusedBy()).isEqualTo(new LeaseKey("key:k1", Metric.TOKENS_PER_DAY,
                Instant.parse("2026-11-27T00:00:00Z").getEpochSecond()));
    }

    @Test
    void aRefusalByTheTeamNamesTheTeam() {
        var teamOnly = new Limits(null, null, 1000L, null, null, null, null);
        var first = engine.admit(new QuotaRequest("key:a", Limits.NONE, "team:t1", teamOnly, 1000, 0), NOON);
        engine.settle(first.reservation(), 1000, 0, NOON);
        var refused = engine.admit(new QuotaRequest("key:b", Limits.NONE, "team:t1", teamOnly, 1, 0), NOON);
        assertThat(refused.refusedBy().scope()).isEqualTo("team:t1");
        assertThat(refused.refusedBy().metric()).isEqualTo(Metric.TOKENS_PER_DAY);
    }

    @Test
    void aRequestLargerThanTheWholeLimitNamesNoCounterForNothingRanOut() {
        var refused = spend(null, 5000, 0);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.refusedBy()).isNull();
    }

    @Test
    void anAllowedRequestNamesNoRefusingCounter() {
        assertThat(spend(null, 1, 1).refusedBy()).isNull();
    }
}
