package io.portcullis.gateway.quota;

import io.portcullis.gateway.backend.BackendRegistry;
import io.portcullis.gateway.backend.Deployment;
import io.portcullis.policy.quota.ModelPrice;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The price in force for each public model name: {@code gateway.pricing.<model>} (a whole row:
 * configuration replaces the catalog's row, it does not patch single fields), else the shipped
 * {@link PriceCatalog}. An alias is priced by the name the backend is called with (public
 * {@code gpt} → upstream {@code gpt-4o-mini}), because that is the model that runs and bills:
 * a public name that merely looks like a catalog model (an Ollama model served as
 * {@code gpt-4o-mini}) is not priced as one. A public name served under several upstream names
 * is priced only by its own configuration. Everything else is unpriced and billed $0 — shown as
 * unpriced ({@code GET /admin/api/pricing}), not as free.
 */
@Component
public class Pricing {

    /** Where a price in force comes from. */
    public enum Origin {
        CATALOG("catalog"), CONFIGURATION("configuration");

        private final String tag;

        Origin(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    /**
     * A public model's price in force.
     *
     * @param pricedAs   the name the price was found under: the model itself or its upstream name
     * @param catalogRow the catalog row, when {@code origin} is the catalog; otherwise null
     */
    public record Quote(String model, String pricedAs, ModelPrice price, Origin origin, PriceCatalog.Row catalogRow) {
    }

    private final Map<String, ModelPrice> configured = new HashMap<>();
    private final PriceCatalog catalog;
    private final BackendRegistry registry;

    Pricing(PricingProperties properties, BackendRegistry registry) {
        properties.pricing().forEach((model, p) -> configured.put(model, p.toModelPrice()));
        this.catalog = PriceCatalog.shipped();
        this.registry = registry;
    }

    /** The price a request to this public model name is billed at; $0 when unpriced. */
    public ModelPrice of(String model) {
        return quote(model).map(Quote::price).orElse(ModelPrice.FREE);
    }

    /** The price in force for a public model name, or empty when it has none. */
    public Optional<Quote> quote(String model) {
        if (model == null) {
            return Optional.empty();
        }
        ModelPrice own = configured.get(model);
        if (own != null) {
            return Optional.of(new Quote(model, model, own, Origin.CONFIGURATION, null));
        }
        return pricedAs(model).flatMap(name -> {
            ModelPrice upstream = configured.get(name);
            if (upstream != null) {
                return Optional.of(new Quote(model, name, upstream, Origin.CONFIGURATION, null));
            }
            return Optional.ofNullable(catalog.models().get(name))
                    .map(row -> new Quote(model, name, row.price(), Origin.CATALOG, row));
        });
    }

    /** The name the catalog is asked for: the upstream name when every deployment agrees on one. */
    private Optional<String> pricedAs(String model) {
        var route = registry.route(model);
        if (route.isEmpty()) {
            return Optional.of(model);
        }
        List<String> upstream = route.get().deployments().stream().map(Deployment::upstreamModel).distinct().toList();
        return upstream.size() == 1 ? Optional.of(upstream.getFirst()) : Optional.empty();
    }

    /** Every public model name served now (configured, managed or the demo model), sorted. */
    public List<String> servedModels() {
        return registry.routes().stream().map(BackendRegistry.Route::model).sorted().toList();
    }

    public PriceCatalog catalog() {
        return catalog;
    }
}
