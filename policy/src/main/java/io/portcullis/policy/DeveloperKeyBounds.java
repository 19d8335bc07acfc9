package io.portcullis.policy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The most a developer may give a key they create in a team (the team's {@code developerKeyLimits},
 * api-contract section 3). {@link #narrow} checks what the developer asked for against it and
 * answers a value: the key's limits, models and policy, or the first field that is wider.
 *
 * <p>What the developer leaves out is filled in from the bound, never left open: a limit that is
 * absent or {@code null} (unlimited) takes the bound's value; an empty model list, no modalities or
 * no networks take the bound's; the bound's deny patterns are always added to the key's. A value
 * beyond the bound is refused rather than clamped, so a developer never gets a key other than the
 * one they asked for without knowing it.
 *
 * @param limits              each set limit is the largest a key may have; null fields bound nothing
 * @param models              the models a key may be given; empty bounds nothing (the team's own
 *                            policy still applies to every request)
 * @param policy              modalities (null: any), networks (empty: any), deny patterns (always
 *                            added) and hosted tools (a key may have only those listed)
 * @param maxKeysPerDeveloper active keys one developer may hold in the team at once
 */
public record DeveloperKeyBounds(Limits limits, Set<String> models, UsagePolicy policy, int maxKeysPerDeveloper) {

    /** Active keys per developer and team when the bound does not say. */
    public static final int DEFAULT_MAX_KEYS = 10;
    /** Largest {@code maxKeysPerDeveloper}: per-key limits multiply with the number of keys. */
    public static final int MAX_KEYS = 1000;

    public DeveloperKeyBounds {
        models = Set.copyOf(models);
        if (maxKeysPerDeveloper < 1 || maxKeysPerDeveloper > MAX_KEYS) {
            throw new IllegalArgumentException("maxKeysPerDeveloper must be between 1 and " + MAX_KEYS
                    + ", was " + maxKeysPerDeveloper);
        }
    }

    /** The outcome of {@link #narrow}. */
    public sealed interface Verdict permits Within, Wider {
    }

    /** The key to create: what was asked, with what was left open filled in from the bound. */
    public record Within(Limits limits, Set<String> models, UsagePolicy policy) implements Verdict {
    }

    /**
     * What was asked is wider than the bound.
     *
     * @param field the request field, as the admin API names it ({@code limits.tokensPerDay})
     * @param reason what the bound allows, for the error message
     */
    public record Wider(String field, String reason) implements Verdict {
    }

    /**
     * @param asked       the key's limits as sent ({@link Limits#NONE} when none)
     * @param askedModels the key's models as sent (empty when none)
     * @param askedPolicy the key's policy as sent ({@link UsagePolicy#DEFAULT} when none)
     */
    public Verdict narrow(Limits asked, Set<String> askedModels, UsagePolicy askedPolicy) {
        var narrowed = new Long[7];
        var names = List.of("requestsPerMinute", "tokensPerMinute", "tokensPerDay", "tokensPerMonth",
                "spendPerMonthUsd", "maxTokensPerRequest", "maxConcurrentRequests");
        List<Function<Limits, Long>> fields = List.of(Limits::requestsPerMinute, Limits::tokensPerMinute,
                Limits::tokensPerDay, Limits::tokensPerMonth, Limits::spendPerMonthMicros, Limits::maxTokensPerRequest,
                Limits::maxConcurrentRequests);
        for (int i = 0; i < fields.size(); i++) {
            Long bound = fields.get(i).apply(limits);
            Long wanted = fields.get(i).apply(asked);
            if (bound != null && wanted != null && wanted > bound) {
                return new Wider("limits." + names.get(i), "must be at most the team's developer bound, "
                        + (i == 4 ? dollars(bound) : bound.toString()));
            }
            narrowed[i] = wanted == null ? bound : wanted;
        }
        Set<String> keyModels = askedModels;
        if (!models.isEmpty()) {
            if (askedModels.isEmpty()) {
                keyModels = models;
            } else if (!models.containsAll(askedModels)) {
                return new Wider("models", "may name only the team's developer models: " + sorted(models));
            }
        }
        Set<Modality> modalities = askedPolicy.modalities();
        if (policy.modalities() != null) {
            if (modalities == null) {
                modalities = policy.modalities();
            } else if (!policy.modalities().containsAll(modalities)) {
                return new Wider("policy.modalities", "may name only " + sorted(policy.modalities().stream()
                        .map(Modality::tag).toList()));
            }
        }
        List<Cidr> cidrs = askedPolicy.allowedCidrs();
        if (!policy.allowedCidrs().isEmpty()) {
            if (cidrs.isEmpty()) {
                cidrs = policy.allowedCidrs();
            } else {
                for (Cidr cidr : cidrs) {
                    if (policy.allowedCidrs().stream().noneMatch(cidr::within)) {
                        return new Wider("policy.allowedCidrs", "'" + cidr + "' is not inside the team's developer"
                                + " networks " + policy.allowedCidrs());
                    }
                }
            }
        }
        Set<String> boundTools = policy.hostedTools() == null ? Set.of() : policy.hostedTools();
        Set<String> tools = askedPolicy.hostedTools() == null ? boundTools : askedPolicy.hostedTools();
        if (!boundTools.containsAll(tools)) {
            return new Wider("policy.hostedTools", "may name only " + sorted(boundTools));
        }
        var patterns = new LinkedHashSet<>(policy.denyPatterns());
        patterns.addAll(askedPolicy.denyPatterns());
        return new Within(new Limits(narrowed[0], narrowed[1], narrowed[2], narrowed[3], narrowed[4], narrowed[5],
                narrowed[6]), keyModels, new UsagePolicy(Set.of(), modalities, cidrs, new ArrayList<>(patterns), tools));
    }

    private static String sorted(java.util.Collection<String> values) {
        return values.isEmpty() ? "none" : String.join(", ", values.stream().sorted().toList());
    }

    private static String dollars(long micros) {
        return java.math.BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString() + " USD";
    }
}
