package io.portcullis.policy;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether a key may be used at all, which models it may see and call, and whether a
 * request passes the key's and its team's policies.
 *
 * <p>Stateless and thread-safe; time is passed in, so expiry is tested without sleeping.
 */
public final class AccessPolicy {

    /**
     * Checks that the key is live at {@code now}.
     *
     * @return {@link Decision#ALLOWED}, or a denial naming revocation or expiry
     */
    public Decision checkKey(KeyGrant grant, Instant now) {
        Objects.requireNonNull(grant, "grant");
        Objects.requireNonNull(now, "now");
        if (grant.revokedAt() != null && !now.isBefore(grant.revokedAt())) {
            return Decision.Denied.permanently(DenialReason.KEY_REVOKED, "API key has been revoked");
        }
        if (grant.expiresAt() != null && !now.isBefore(grant.expiresAt())) {
            return Decision.Denied.permanently(DenialReason.KEY_EXPIRED, "API key expired at " + grant.expiresAt());
        }
        return Decision.ALLOWED;
    }

    /**
     * Checks that the key's allow list admits {@code model}.
     *
     * @return {@link Decision#ALLOWED}, or a {@link DenialReason#MODEL_NOT_ALLOWED} denial
     */
    public Decision checkModel(KeyGrant grant, String model) {
        Objects.requireNonNull(grant, "grant");
        Objects.requireNonNull(model, "model");
        if (grant.allowsModel(model)) {
            return Decision.ALLOWED;
        }
        return Decision.Denied.permanently(DenialReason.MODEL_NOT_ALLOWED,
                "This API key is not allowed to use the model '" + model + "'");
    }

    /**
     * The models a key is shown ({@code GET /v1/models}, {@code GET /v1/me}): those of
     * {@code served} that both the key's allow list and its team's {@code models} admit, so a
     * client is never shown a model that {@link #checkRequest} would refuse by name. Nothing else
     * in a policy hides a model: a team whose other rules refuse every request still lists them.
     *
     * @param team   the team's policy, or {@link UsagePolicy#OPEN} for a key without a team
     * @param served the models the gateway routes, in the order they are to be listed
     * @return the visible ones, in {@code served}'s order
     */
    public List<String> visibleModels(KeyGrant grant, UsagePolicy team, Collection<String> served) {
        Objects.requireNonNull(grant, "grant");
        Objects.requireNonNull(team, "team");
        return served.stream()
                .filter(grant::allowsModel)
                .filter(model -> team.models().isEmpty() || team.models().contains(model))
                .toList();
    }

    /**
     * Checks a request against the key's and its team's usage policies and per-request limits;
     * both must allow it (the stricter wins). Rate limits and budgets are not checked here: they
     * need shared state (see {@code quota.QuotaEngine}).
     *
     * <p>Deny patterns read the request's {@linkplain RequestFacts#promptText() text}
     * {@linkplain FoldedText folded} once, whichever of the two policies hold patterns. Text
     * that folds to more than {@value FoldedText#MAX_CHARS} characters cannot be checked, so a
     * policy with deny patterns refuses it ({@link DenialReason#CONTENT_DENIED}); a policy
     * without patterns never folds the text at all.
     *
     * @param team the team's policy, or {@link UsagePolicy#OPEN} for a key without a team
     */
    public Decision checkRequest(UsagePolicy key, Limits keyLimits, UsagePolicy team, Limits teamLimits,
                                 RequestFacts facts) {
        if (!allowsModel(key, facts) || !allowsModel(team, facts)) {
            return Decision.Denied.permanently(DenialReason.MODEL_NOT_ALLOWED,
                    "This API key is not allowed to use the model '" + facts.model() + "'");
        }
        FoldedText text = key.denyPatterns().isEmpty() && team.denyPatterns().isEmpty()
                ? null : FoldedText.of(facts.promptText());
        Decision d = checkPolicy(key, facts, text);
        if (d.isAllowed()) {
            d = checkPolicy(team, facts, text);
        }
        if (d.isAllowed()) {
            d = checkMaxTokens(keyLimits, facts);
        }
        if (d.isAllowed()) {
            d = checkMaxTokens(teamLimits, facts);
        }
        return d;
    }

    private static boolean allowsModel(UsagePolicy policy, RequestFacts facts) {
        return policy.models().isEmpty() || policy.models().contains(facts.model());
    }

    private static Decision checkMaxTokens(Limits limits, RequestFacts facts) {
        Long max = limits.maxTokensPerRequest();
        if (max != null && facts.maxTokens() > max) {
            return Decision.Denied.permanently(DenialReason.MAX_TOKENS_EXCEEDED,
                    "max_tokens " + facts.maxTokens() + " is above this key's limit of " + max + " per request");
        }
        return Decision.ALLOWED;
    }

    /** @param text the folded request text; null only when neither policy has deny patterns */
    private static Decision checkPolicy(UsagePolicy policy, RequestFacts facts, FoldedText text) {
        Set<Modality> allowed = policy.modalities();
        if (allowed != null) {
            for (Modality m : facts.modalities()) {
                if (!allowed.contains(m)) {
                    return Decision.Denied.permanently(DenialReason.MODALITY_NOT_ALLOWED,
                            "Content of type '" + m.tag() + "' (sent or asked for) is not allowed for this API key");
                }
            }
        }
        if (policy.hostedTools() != null) {
            for (String tool : facts.hostedTools()) {
                if (!policy.hostedTools().contains(tool)) {
                    // the type was checked to be a short token by the HTTP edge, so it may be named
                    return Decision.Denied.permanently(DenialReason.HOSTED_TOOL_NOT_ALLOWED, "The hosted tool '"
                            + tool + "' is not allowed for this API key (its policy's hostedTools does not list it)");
                }
            }
        }
        if (!policy.allowedCidrs().isEmpty()) {
            boolean inside = false;
            for (Cidr cidr : policy.allowedCidrs()) {
                if (cidr.contains(facts.clientAddress())) {
                    inside = true;
                    break;
                }
            }
            if (!inside) {
                return Decision.Denied.permanently(DenialReason.ADDRESS_NOT_ALLOWED,
                        "Requests from this network are not allowed for this API key");
            }
        }
        if (policy.denyPatterns().isEmpty()) {
            return Decision.ALLOWED;
        }
        if (!text.complete()) {
            return Decision.Denied.permanently(DenialReason.CONTENT_DENIED, "The request holds more text than "
                    + "this API key's content rules can check (" + FoldedText.MAX_CHARS + " characters)");
        }
        for (DenyPattern pattern : policy.denyPatterns()) {
            if (pattern.matches(text)) {
                // Never echo the pattern or the text: both may be sensitive.
                return Decision.Denied.permanently(DenialReason.CONTENT_DENIED,
                        "The request was refused by a content rule of this API key's policy");
            }
        }
        return Decision.ALLOWED;
    }
}
