package io.portcullis.policy.spi;

import io.portcullis.policy.quota.LeaseKey;
import io.portcullis.policy.quota.Metric;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The reference {@link LeaseStore}: the semantics the PostgreSQL store must match, in memory.
 * Buckets keep their level in milli-units and refill one minute's worth per minute.
 */
public class InMemoryLeaseStore implements LeaseStore {

    private final Map<LeaseKey, long[]> state = new HashMap<>(); // [level or granted, updatedMillis]
    private volatile boolean down;

    /** Makes every call fail, as an unreachable database would. */
    public void setDown(boolean down) {
        this.down = down;
    }

    @Override
    public synchronized Grant acquire(LeaseKey key, long need, long want, long limit, Instant now) {
        check();
        long[] s = state(key, limit, now);
        if (key.metric().shape() == Metric.Shape.BUCKET) {
            long level = refill(s, limit, now);
            if (level < need * 1000) {
                long missing = need * 1000 - level;
                long millis = Math.max(1, (missing * 60 + limit - 1) / limit);
                return Grant.refused(level / 1000, Duration.ofMillis(millis));
            }
            long grant = Math.max(need, Math.min(want, level / 1000 / 4));
            s[0] = level - grant * 1000;
            return new Grant(grant, s[0] / 1000, Duration.ZERO);
        }
        if (s[0] + need > limit) {
            return Grant.refused(Math.max(0, limit - s[0]), Duration.ZERO);
        }
        long grant = Math.max(need, Math.min(want, (limit - s[0]) / 4));
        s[0] += grant;
        return new Grant(grant, limit - s[0], Duration.ZERO);
    }

    @Override
    public synchronized void release(LeaseKey key, long amount, long limit, Instant now) {
        check();
        long[] s = state(key, limit, now);
        if (key.metric().shape() == Metric.Shape.BUCKET) {
            s[0] = Math.min(limit * 1000, refill(s, limit, now) + amount * 1000);
        } else {
            s[0] = Math.max(0, s[0] - amount);
        }
    }

    @Override
    public synchronized void charge(LeaseKey key, long amount, Instant now) {
        check();
        long[] s = state.computeIfAbsent(key, k -> new long[] {0, now.toEpochMilli()});
        if (key.metric().shape() == Metric.Shape.BUCKET) {
            s[0] -= amount * 1000;
        } else {
            s[0] += amount;
        }
    }

    /** Units counted as used (granted or spent) in a window or slot counter. */
    public synchronized long used(LeaseKey key) {
        long[] s = state.get(key);
        return s == null ? 0 : s[0];
    }

    private long[] state(LeaseKey key, long limit, Instant now) {
        return state.computeIfAbsent(key, k -> new long[] {
                k.metric().shape() == Metric.Shape.BUCKET ? limit * 1000 : 0, now.toEpochMilli()});
    }

    private static long refill(long[] s, long limit, Instant now) {
        long elapsed = Math.max(0, now.toEpochMilli() - s[1]);
        s[1] = Math.max(s[1], now.toEpochMilli());
        long room = limit * 1000 - s[0];
        // elapsed × limit passes a long after ~106 idle days at the largest limit: then it fills the bucket anyway
        long product = elapsed * limit;
        long gain = Math.multiplyHigh(elapsed, limit) != 0 || product < 0 ? room : product / 60;
        s[0] += Math.min(room, gain);
        return s[0];
    }

    private void check() {
        if (down) {
            throw new IllegalStateException("lease store unreachable");
        }
    }
}
