package io.portcullis.gateway.quota;

import io.portcullis.policy.quota.ModelPrice;
import java.math.BigDecimal;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.pricing.<model>.*}: prices that replace the shipped catalog's ({@link Pricing}). The map
 * sits directly under {@code gateway}, so this record binds at {@value #PREFIX} and reads only
 * {@code pricing}.
 *
 * @param pricing price per model name (public or upstream), in US dollars per million tokens and per unit; a
 *                row replaces the catalog's row for that name as a whole
 */
@ConfigurationProperties(PricingProperties.PREFIX)
record PricingProperties(@DefaultValue Map<String, Price> pricing) {

    static final String PREFIX = "gateway";

    PricingProperties {
        pricing = Map.copyOf(pricing);
    }

    /**
     * A model's price (exact decimals, US dollars). Every part is optional and defaults to zero,
     * but a row must name at least one: an empty row would silently make a model free.
     *
     * @param cachedInputPerMillion price of cached prompt tokens; defaults to the input price
     */
    record Price(BigDecimal inputPerMillion, BigDecimal outputPerMillion, BigDecimal cachedInputPerMillion,
                 BigDecimal perImage, BigDecimal perAudioSecond, BigDecimal perMillionCharacters, BigDecimal perRequest) {
        Price {
            if (inputPerMillion == null && outputPerMillion == null && cachedInputPerMillion == null && perImage == null
                    && perAudioSecond == null && perMillionCharacters == null && perRequest == null) {
                throw new IllegalArgumentException("gateway.pricing.<model> needs at least one price (input-per-million,"
                        + " output-per-million, cached-input-per-million, per-image, per-audio-second,"
                        + " per-million-characters or per-request)");
            }
            for (BigDecimal part : new BigDecimal[] {inputPerMillion, outputPerMillion, cachedInputPerMillion, perImage,
                    perAudioSecond, perMillionCharacters, perRequest}) {
                if (part != null && part.signum() < 0) {
                    throw new IllegalArgumentException("gateway.pricing.<model> prices must not be negative");
                }
            }
        }

        ModelPrice toModelPrice() {
            return new ModelPrice(orZero(inputPerMillion), orZero(outputPerMillion), cachedInputPerMillion, perImage,
                    perAudioSecond, perMillionCharacters, perRequest);
        }

        private static BigDecimal orZero(BigDecimal value) {
            return value == null ? BigDecimal.ZERO : value;
        }
    }
}
