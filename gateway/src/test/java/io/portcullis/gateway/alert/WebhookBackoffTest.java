package io.portcullis.gateway.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** How long a failed delivery waits: doubling, capped, jittered. */
class WebhookBackoffTest {

    private static final Duration INITIAL = Duration.ofSeconds(5);
    private static final Duration MAX = Duration.ofMinutes(30);

    @Test
    void doublesPerFailureWithinHalfToAllOfTheDelay() {
        var random = new SplittableRandom(7);
        for (int attempts = 1; attempts <= 6; attempts++) {
            long delay = INITIAL.toMillis() << (attempts - 1);
            for (int i = 0; i < 200; i++) {
                long wait = WebhookDelivery.backoff(attempts, INITIAL, MAX, random).toMillis();
                assertThat(wait).as("attempt %d", attempts).isBetween(delay / 2, delay);
            }
        }
    }

    @Test
    void neverWaitsLongerThanTheCapHoweverManyFailures() {
        for (int attempts : new int[] {20, 64, 65, 10_000, Integer.MAX_VALUE}) {
            long wait = WebhookDelivery.backoff(attempts, INITIAL, MAX, new Random(attempts)).toMillis();
            assertThat(wait).isBetween(MAX.toMillis() / 2, MAX.toMillis());
        }
    }

    @Test
    void spreadsRetriesThatFailedTogether() {
        var random = new SplittableRandom(11);
        var waits = new java.util.HashSet<Long>();
        for (int i = 0; i < 50; i++) {
            waits.add(WebhookDelivery.backoff(3, INITIAL, MAX, random).toMillis());
        }
        assertThat(waits).hasSizeGreaterThan(40);
    }
}
