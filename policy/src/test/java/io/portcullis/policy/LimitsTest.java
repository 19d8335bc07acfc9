package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LimitsTest {

    @Test
    void acceptsEveryLimitAtItsMaximum() {
        var max = new Limits(Limits.MAX_PER_MINUTE, Limits.MAX_PER_MINUTE, Limits.MAX_TOKEN_BUDGET,
                Limits.MAX_TOKEN_BUDGET, Limits.MAX_SPEND_MICROS, Limits.MAX_TOKENS_PER_REQUEST, Limits.MAX_CONCURRENT);

        assertThat(max.any()).isTrue();
    }

    @Test
    void refusesEachLimitOneAboveItsMaximum() {
        assertThatThrownBy(() -> new Limits(Limits.MAX_PER_MINUTE + 1, null, null, null, null, null, null))
                .hasMessageContaining("requestsPerMinute");
        assertThatThrownBy(() -> new Limits(null, Limits.MAX_PER_MINUTE + 1, null, null, null, null, null))
                .hasMessageContaining("tokensPerMinute");
        assertThatThrownBy(() -> new Limits(null, null, Limits.MAX_TOKEN_BUDGET + 1, null, null, null, null))
                .hasMessageContaining("tokensPerDay");
        assertThatThrownBy(() -> new Limits(null, null, null, Limits.MAX_TOKEN_BUDGET + 1, null, null, null))
                .hasMessageContaining("tokensPerMonth");
        assertThatThrownBy(() -> new Limits(null, null, null, null, Limits.MAX_SPEND_MICROS + 1, null, null))
                .hasMessageContaining("spendPerMonthMicros");
        assertThatThrownBy(() -> new Limits(null, null, null, null, null, Limits.MAX_TOKENS_PER_REQUEST + 1, null))
                .hasMessageContaining("maxTokensPerRequest");
        assertThatThrownBy(() -> new Limits(null, null, null, null, null, null, Limits.MAX_CONCURRENT + 1))
                .hasMessageContaining("maxConcurrentRequests");
    }

    @Test
    void refusesZeroExceptForSpend() {
        assertThatThrownBy(() -> new Limits(0L, null, null, null, null, null, null)).isInstanceOf(
                IllegalArgumentException.class);
        assertThat(new Limits(null, null, null, null, 0L, null, null).spendPerMonthMicros()).isZero();
    }
}
