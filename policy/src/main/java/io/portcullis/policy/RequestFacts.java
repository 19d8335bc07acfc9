package io.portcullis.policy;

import java.util.Set;

/**
 * What the policy needs to know about one request, extracted by the HTTP edge.
 *
 * @param model            public model name
 * @param modalities       input kinds present in the request
 * @param promptText       all prompt text, for deny patterns
 * @param promptTokens     estimate of prompt tokens
 * @param maxTokens        {@code max_tokens}/{@code max_completion_tokens} asked for, or -1 if none
 * @param clientAddress    the client's IP address (4 or 16 bytes), or null if unknown
 */
public record RequestFacts(String model, Set<Modality> modalities, String promptText, long promptTokens,
                           long maxTokens, byte[] clientAddress) {

    public RequestFacts {
        modalities = Set.copyOf(modalities);
        promptText = promptText == null ? "" : promptText;
    }
}
