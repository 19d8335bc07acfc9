package io.portcullis.policy.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.Limits;
import io.portcullis.policy.quota.LeaseKey;
import io.portcullis.policy.quota.Metric;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LeaseStore} must do. Each implementation runs these tests by extending this
 * class (the in-memory reference here, the PostgreSQL store in the gateway).
 */
public abstract class LeaseStoreContract {

    protected static final Instant T0 = Instant.parse("2026-03-31T10:00:00Z");

    protected abstract LeaseStore store();

    private static LeaseKey key(Metric metric) {
        long window = metric.shape() == Metric.Shape.WINDOW ? T0.getEpochSecond() : 0;
        return new LeaseKey("key:" + UUID.randomUUID(), metric, window);
    }

    @Test
    void grantsAtLeastWhatIsNeededAndNeverMoreThanWanted() {
        var k = key(Metric.TOKENS_PER_DAY);
        var grant = store().acquire(k, 10, 100, 1000, T0);
        assertThat(grant.granted()).isBetween(10L, 100L);
        assertThat(grant.remaining()).isEqualTo(1000 - grant.granted());
    }

    @Test
    void refusesWhatWouldPassTheLimit() {
        var k = key(Metric.TOKENS_PER_DAY);
        assertThat(store().acquire(k, 900, 900, 1000, T0).granted()).isEqualTo(900);
        var refused = store().acquire(k, 101, 101, 1000, T0);
        assertThat(refused.granted()).isZero();
        assertThat(refused.remaining()).isEqualTo(100);
        assertThat(store().acquire(k, 100, 100, 1000, T0).granted()).isEqualTo(100);
    }

    @Test
    void releasedUnitsCanBeGrantedAgain() {
        var k = key(Metric.TOKENS_PER_MONTH);
        assertThat(store().acquire(k, 1000, 1000, 1000, T0).granted()).isEqualTo(1000);
        store().release(k, 400, 1000, T0);
        assertThat(store().acquire(k, 400, 400, 1000, T0).granted()).isEqualTo(400);
        assertThat(store().acquire(k, 1, 1, 1000, T0).granted()).isZero();
    }

    @Test
    void chargedUnitsCountAgainstTheLimit() {
        var k = key(Metric.SPEND_PER_MONTH);
        store().acquire(k, 500, 500, 1000, T0);
        store().charge(k, 450, T0);
        assertThat(store().acquire(k, 51, 51, 1000, T0).granted()).isZero();
        assertThat(store().acquire(k, 50, 50, 1000, T0).granted()).isEqualTo(50);
    }

    @Test
    void aBucketRefillsOneMinutesWorthPerMinute() {
        var k = key(Metric.REQUESTS_PER_MINUTE);
        assertThat(store().acquire(k, 60, 60, 60, T0).granted()).isEqualTo(60);
        var refused = store().acquire(k, 1, 1, 60, T0);
        assertThat(refused.granted()).isZero();
        assertThat(refused.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(store().acquire(k, 30, 30, 60, T0.plusSeconds(30)).granted()).isEqualTo(30);
        assertThat(store().acquire(k, 1, 1, 60, T0.plusSeconds(30)).granted()).isZero();
    }

    @Test
    void aBucketNeverHoldsMoreThanOneMinutesWorth() {
        var k = key(Metric.TOKENS_PER_MINUTE);
        store().acquire(k, 10, 10, 100, T0);
        store().release(k, 10, 100, T0.plusSeconds(3600));
        assertThat(store().acquire(k, 101, 101, 100, T0.plusSeconds(3600)).granted()).isZero();
        assertThat(store().acquire(k, 100, 100, 100, T0.plusSeconds(3600)).granted()).isEqualTo(100);
    }

    @Test
    void concurrentAcquisitionsNeverGrantMoreThanTheLimitInTotal() throws Exception {
        var k = key(Metric.TOKENS_PER_DAY);
        var granted = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            var futures = new java.util.ArrayList<Future<?>>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        granted.addAndGet(store().acquire(k, 7, 20, 1000, T0).granted());
                    }
                }));
            }
            for (var f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(granted.get()).isLessThanOrEqualTo(1000).isGreaterThan(990);
    }

    @Test
    void aBucketAtTheLargestLimitRefillsAfterYearsIdle() {
        long limit = Limits.MAX_PER_MINUTE;
        var k = key(Metric.TOKENS_PER_MINUTE);
        assertThat(store().acquire(k, limit, limit, limit, T0).granted()).isEqualTo(limit);
        store().charge(k, limit, T0); // overuse: the bucket owes a minute's worth

        // ten years of milliseconds times 10^9 is far past a long (and 3,737 days is where a
        // wrapped product turns negative): the refill must neither fail nor wrap
        Instant later = T0.plus(Duration.ofDays(3737));
        store().release(k, 1, limit, later);
        var grant = store().acquire(k, limit, limit, limit, later);

        assertThat(grant.granted()).isEqualTo(limit);
        assertThat(store().acquire(k, 1, 1, limit, later).retryAfter()).isPositive()
                .isLessThanOrEqualTo(Duration.ofMillis(1));
    }

    @Test
    void windowsAtTheLargestBudgetsGrantAndRefuseExactly() {
        for (var metric : new Metric[] {Metric.TOKENS_PER_MONTH, Metric.SPEND_PER_MONTH}) {
            long limit = Math.max(Limits.MAX_TOKEN_BUDGET, Limits.MAX_SPEND_MICROS);
            var k = key(metric);
            assertThat(store().acquire(k, limit - 1, limit, limit, T0).granted()).isBetween(limit - 1, limit);
            store().charge(k, limit, T0); // overuse beyond the limit stays countable
            var refused = store().acquire(k, 1, 1, limit, T0);
            assertThat(refused.granted()).isZero();
            assertThat(refused.remaining()).isZero();
            store().release(k, 3 * limit, limit, T0);
            assertThat(store().acquire(k, limit, limit, limit, T0).granted()).isEqualTo(limit);
        }
    }
}
