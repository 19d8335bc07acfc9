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
 * @param hostedTools   the provider-hosted tool types a request may use (the Responses API's
 *                      {@code web_search}, {@code file_search}, {@code code_interpreter}...),
 *                      exactly as the API names them: they carry fees the gateway cannot meter,
 *                      so none is allowed unless listed; {@code null} means every type (only
 *                      {@link #OPEN}, the policy of a key without a team)
 */
public record UsagePolicy(Set<String> models, Set<Modality> modalities, List<Cidr> allowedCidrs,
                          List<DenyPattern> denyPatterns, Set<String> hostedTools) {

    /** Allows everything: what a key without a team is checked against on the team's side. */
    public static final UsagePolicy OPEN = new UsagePolicy(Set.of(), null, List.of(), List.of(), null);

    /**
     * A key's or team's policy when none was set: every model, input kind and network, no deny
     * pattern, and no hosted tool (those must be granted by name).
     */
    public static final UsagePolicy DEFAULT = new UsagePolicy(Set.of(), null, List.of(), List.of(), Set.of());

    public UsagePolicy {
        models = Set.copyOf(models);
        modalities = modalities == null ? null : Set.copyOf(modalities);
        allowedCidrs = List.copyOf(allowedCidrs);
        denyPatterns = List.copyOf(denyPatterns);
        hostedTools = hostedTools == null ? null : Set.copyOf(hostedTools);
    }

    /** A policy that allows no hosted tool. */
    public UsagePolicy(Set<String> models, Set<Modality> modalities, List<Cidr> allowedCidrs,
                       List<DenyPattern> denyPatterns) {
        this(models, modalities, allowedCidrs, denyPatterns, Set.of());
    }

    /** The same policy with another model allow list. */
    public UsagePolicy withModels(Set<String> models) {
        return new UsagePolicy(models, modalities, allowedCidrs, denyPatterns, hostedTools);
    }
}
