package io.portcullis.policy.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class ModelPriceTest {

    private final ModelPrice gpt4o = new ModelPrice(new BigDecimal("2.50"), new BigDecimal("10.00"),
            new BigDecimal("1.25"));

    @Test
    void costsCachedPromptTokensAtTheCachedPrice() {
        // 4020 prompt of which 4012 cached, 4 completion: 8*2.5 + 4012*1.25 + 4*10 = 20 + 5015 + 40
        assertThat(gpt4o.costMicros(4020, 4012, 4)).isEqualTo(5075);
    }

    @Test
    void saturatesInsteadOfFailingOnAnAbsurdTokenCount() {
        assertThat(gpt4o.costMicros(Long.MAX_VALUE, 0, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void roundsUpToTheNextMicroDollar() {
        assertThat(gpt4o.costMicros(3, 0, 0)).isEqualTo(8); // 7.5 micro-dollars
    }

    @Test
    void defaultsTheCachedPriceToTheInputPrice() {
        var price = new ModelPrice(new BigDecimal("1"), new BigDecimal("2"), null);
        assertThat(price.costMicros(10, 10, 0)).isEqualTo(10);
    }

    @Test
    void convertsDollarsExactly() {
        assertThat(ModelPrice.micros(new BigDecimal("12.345678"))).isEqualTo(12_345_678);
        assertThat(ModelPrice.dollars(12_345_678)).isEqualByComparingTo("12.345678");
        assertThatThrownBy(() -> ModelPrice.micros(new BigDecimal("0.0000001"))).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void pricesImagesSecondsCharactersAndTheRequestTogetherRoundingOnce() {
        // $0.04 an image, $0.0001 a second, $15 per million characters, $0.000_000_5 a request
        var price = new ModelPrice(BigDecimal.ZERO, BigDecimal.ZERO, null, new BigDecimal("0.04"),
                new BigDecimal("0.0001"), new BigDecimal("15"), new BigDecimal("0.0000005"));
        // 2 images 80,000 + 61 s 6,100 + 1,001 chars 15,015 + request 0.5 = 101,115.5 -> 101,116
        assertThat(price.costMicros(0, 0, 0, new Units(61, 1_001, 2))).isEqualTo(101_116);
        assertThat(price.costMicros(0, 0, 0)).isEqualTo(1); // the request alone, rounded up
    }

    @Test
    void saturatesOnAnAbsurdUnitCount() {
        var price = new ModelPrice(BigDecimal.ONE, BigDecimal.ONE, null, BigDecimal.TEN, null, null, null);
        assertThat(price.costMicros(0, 0, 0, new Units(0, 0, Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void refusesNegativeUnitPricesAndCounts() {
        assertThatThrownBy(() -> new ModelPrice(BigDecimal.ONE, BigDecimal.ONE, null, new BigDecimal("-0.01"), null,
                null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Units(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
