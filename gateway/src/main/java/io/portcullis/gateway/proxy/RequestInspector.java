package io.portcullis.gateway.proxy;

import io.portcullis.policy.IpAddresses;
import io.portcullis.policy.Modality;
import io.portcullis.policy.RequestFacts;
import io.portcullis.policy.quota.Units;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads what the policy and the quotas need from a request body: the input kinds it carries and
 * its text (for deny patterns, see {@link RequestContent} for exactly what is read), an estimate
 * of its prompt tokens and the output it may ask for.
 *
 * <p>Estimates are deliberately simple and on the generous side: a quarter token per character
 * of text, {@value RequestContent#MESSAGE_FRAMING_TOKENS} tokens of framing per message,
 * {@value RequestContent#MEDIA_PART_TOKENS} per image, audio or file part. They only size the
 * reservation; settlement uses the backend's real counts.
 */
final class RequestInspector {

    /** No model writes more than this per choice; larger {@code max_tokens} values reserve this much. */
    static final long MAX_RESERVED_TOKENS = 10_000_000;

    private RequestInspector() {
    }

    /** Facts of the request, plus how many output tokens to reserve when it sets no limit. */
    static Inspection inspect(Endpoint endpoint, ClientRequest request, String clientAddress, long defaultMaxTokens) {
        JsonNode json = request.json();
        // The client's own body, whole: for /v1/messages that is what an Anthropic backend receives,
        // and the OpenAI translation only ever drops or refuses content, so it would hide some.
        var content = RequestContent.of(endpoint, request.anthropic() != null ? request.anthropic() : json);
        String text = content.text();
        Set<Modality> modalities = content.modalities();
        long promptTokens = content.tokens();
        long asked = request.maxTokens();
        long choices = request.choices();
        // Capped so absurd values cannot overflow the arithmetic; a limit still refuses them.
        long perChoice = Math.min(asked >= 0 ? asked : defaultMaxTokens, MAX_RESERVED_TOKENS);
        long reserve = endpoint == Endpoint.EMBEDDINGS ? 0 : perChoice * choices;
        var facts = new RequestFacts(request.model(), modalities, text, promptTokens, asked,
                IpAddresses.parse(clientAddress),
                request.responses() == null ? Set.of() : request.responses().hostedTools());
        return new Inspection(facts, promptTokens, reserve);
    }

    /**
     * @param completionReserve output tokens to reserve: {@code max_tokens} (times {@code n}) or the default
     * @param unitsEstimate     other units to reserve (characters to speak, images to make, seconds
     *                          of audio to hear), billed in place of a report
     */
    record Inspection(RequestFacts facts, long promptTokens, long completionReserve, Units unitsEstimate) {

        Inspection(RequestFacts facts, long promptTokens, long completionReserve) {
            this(facts, promptTokens, completionReserve, Units.NONE);
        }

        long reservedTokens() {
            return promptTokens + completionReserve;
        }
    }
}
