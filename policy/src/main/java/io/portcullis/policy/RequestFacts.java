package io.portcullis.policy;

import java.util.Set;

/**
 * What the policy needs to know about one request, extracted by the HTTP edge. A value: the
 * policy reads it and never changes it.
 *
 * @param model            public model name
 * @param modalities       input kinds present in the request
 * @param promptText       every piece of text the request sends the model, as sent (the HTTP edge
 *                         says which fields; see docs/quotas.md), joined by line breaks; deny
 *                         patterns read it {@linkplain FoldedText folded}. Left out of
 *                         {@link #toString()}, which may end up in logs.
 * @param promptTokens     estimate of prompt tokens
 * @param maxTokens        {@code max_tokens}/{@code max_completion_tokens} asked for, or -1 if none
 * @param clientAddress    the client's IP address (4 or 16 bytes), or null if unknown
 * @param hostedTools      provider-hosted tool types the request asks for (Responses API
 *                         {@code tools[].type} other than {@code function} and {@code custom})
 */
public record RequestFacts(String model, Set<Modality> modalities, String promptText, long promptTokens,
                           long maxTokens, byte[] clientAddress, Set<String> hostedTools) {

    public RequestFacts {
        modalities = Set.copyOf(modalities);
        promptText = promptText == null ? "" : promptText;
        hostedTools = hostedTools == null ? Set.of() : Set.copyOf(hostedTools);
    }

    /** A request that asks for no hosted tool. */
    public RequestFacts(String model, Set<Modality> modalities, String promptText, long promptTokens,
                        long maxTokens, byte[] clientAddress) {
        this(model, modalities, promptText, promptTokens, maxTokens, clientAddress, Set.of());
    }

    @Override
    public String toString() {
        return "RequestFacts[model=" + model + ", modalities=" + modalities + ", promptText=" + promptText.length()
                + " chars, promptTokens=" + promptTokens + ", maxTokens=" + maxTokens + ", hostedTools=" + hostedTools + "]";
    }
}
