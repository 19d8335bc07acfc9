package io.portcullis.policy;

import java.util.List;
import java.util.Set;

/**
 * What requests a key or team may make, besides how many.
 *
 * @param models        model names allowed; empty means every model
 * @param modalities    input kinds allowed; {@code null} means every kind
 * @param allowedCidrs  client networks allowed; empty means any address
 * @param denyPatterns  prompts matching any of these are refused
 */
public record UsagePolicy(Set<String> models, Set<Modality> modalities, List<Cidr> allowedCidrs,
                          List<DenyPattern> denyPatterns) {

    /** Allows everything. */
    public static final UsagePolicy OPEN = new UsagePolicy(Set.of(), null, List.of(), List.of());

    public UsagePolicy {
        models = Set.copyOf(models);
        modalities = modalities == null ? null : Set.copyOf(modalities);
        allowedCidrs = List.copyOf(allowedCidrs);
        denyPatterns = List.copyOf(denyPatterns);
    }

    /** The same policy with another model allow list. */
    public UsagePolicy withModels(Set<String> models) {
        return new UsagePolicy(models, modalities, allowedCidrs, denyPatterns);
    }
}
