package io.portcullis.gateway.admin;

import io.portcullis.gateway.quota.Pricing;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /admin/api/pricing}: every served model with the price it is billed at and where
 * that price comes from (the shipped catalog, with its source and month, or configuration), and
 * the served models without a price ({@code "priced": false}: billed $0, which is not the same as
 * free; a model priced at zero, such as moderation, is priced). Prices are decimal strings as
 * written in the catalog or configuration, never numbers: per million tokens, and per image, second
 * of audio, million characters and request ({@code "0"} where the price names none).
 */
@RestController
@RequestMapping("/admin/api/pricing")
class AdminPricingController {

    private final Pricing pricing;

    AdminPricingController(Pricing pricing) {
        this.pricing = pricing;
    }

    /**
     * @param pricedAs the name the price was found under: the model, or its upstream name for an alias
     * @param origin   {@code catalog} or {@code configuration}; null when unpriced
     * @param source   the provider's pricing page (catalog rows only)
     * @param date     the month the catalog row was read, yyyy-MM (catalog rows only)
     * @param perImage each image made, at the model's default size and quality
     */
    record ModelPricing(String model, boolean priced, String pricedAs, String origin, String inputPerMillion,
                        String cachedInputPerMillion, String outputPerMillion, String perImage,
                        String perAudioSecond, String perMillionCharacters, String perRequest, String source,
                        String date, String note) {
    }

    /** @param catalogDate the month of the shipped catalog's newest row, yyyy-MM */
    record PricingList(String catalogDate, List<ModelPricing> data) {
    }

    @GetMapping
    PricingList list() {
        return new PricingList(pricing.catalog().date().toString(), pricing.servedModels().stream()
                .map(model -> pricing.quote(model).map(q -> {
                    var row = q.catalogRow();
                    return new ModelPricing(model, true, q.pricedAs(), q.origin().tag(),
                            q.price().inputPerMillion().toPlainString(),
                            q.price().cachedInputPerMillion().toPlainString(),
                            q.price().outputPerMillion().toPlainString(), q.price().perImage().toPlainString(),
                            q.price().perAudioSecond().toPlainString(),
                            q.price().perMillionCharacters().toPlainString(), q.price().perRequest().toPlainString(),
                            row == null ? null : row.source().toString(), row == null ? null : row.date().toString(),
                            row == null ? null : row.note());
                }).orElseGet(() -> new ModelPricing(model, false, null, null, null, null, null, null, null, null,
                        null, null, null, null)))
                .toList());
    }
}
