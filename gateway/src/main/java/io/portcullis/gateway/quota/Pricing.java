package io.portcullis.gateway.quota;

import io.portcullis.policy.quota.ModelPrice;
import java.util.HashMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/** Prices from {@code gateway.pricing}; models without a price cost nothing (self-hosted). */
@Component
public class Pricing {

    private final Map<String, ModelPrice> prices = new HashMap<>();

    Pricing(PricingProperties properties) {
        properties.pricing().forEach((model, p) ->
                prices.put(model, new ModelPrice(p.inputPerMillion(), p.outputPerMillion(), p.cachedInputPerMillion())));
    }

    public ModelPrice of(String model) {
        return prices.getOrDefault(model, ModelPrice.FREE);
    }
}
