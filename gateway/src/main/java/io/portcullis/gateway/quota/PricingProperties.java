package io.portcullis.gateway.quota;

import java.math.BigDecimal;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.pricing.<model>.*}: prices that replace the shipped catalog's ({@link Pricing}). The map
 * sits directly under {@code gateway}, so this record binds at {@value #PREFIX} and reads only
 * {@code pricing}.
 *
 * @param pricing price per model name (public or upstream), in US dollars per million tokens; a row replaces
 *                the catalog's row for that name as a whole
 */
@ConfigurationProperties(PricingProperties.PREFIX)
record PricingProperties(@DefaultValue Map<String, Price> pricing) {

    static final String PREFIX = "gateway";

    PricingProperties {
        pricing = Map.copyOf(pricing);
    }

    /**
     * A model's price (exact decimals, US dollars per million tokens).
     *
     * @param cachedInputPerMillion price of cached prompt tokens; defaults to the input price
     */
    record Price(BigDecimal inputPerMillion, BigDecimal outputPerMillion, BigDecimal cachedInputPerMillion) {
        Price {
            if (inputPerMillion == null || outputPerMillion == null) {
                throw new IllegalArgumentException("gateway.pricing.<model> needs input-per-million and output-per-million");
            }
        }
    }
}
