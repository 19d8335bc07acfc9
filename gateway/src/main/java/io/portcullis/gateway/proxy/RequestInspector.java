package io.portcullis.gateway.proxy;

import io.portcullis.policy.IpAddresses;
import io.portcullis.policy.Modality;
import io.portcullis.policy.RequestFacts;
import io.portcullis.policy.quota.Units;
import java.util.EnumSet;
import java.util.List;
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
        Set<Modality> modalities = EnumSet.noneOf(Modality.class);
        modalities.addAll(content.modalities());
        modalities.addAll(mediaModalities(endpoint, json, !text.isEmpty()));
        long promptTokens = content.tokens();
        long asked = request.maxTokens();
        long choices = request.choices();
        // Capped so absurd values cannot overflow the arithmetic; a limit still refuses them.
        long perChoice = Math.min(asked >= 0 ? asked : defaultMaxTokens, MAX_RESERVED_TOKENS);
        long reserve = endpoint.generatesText() ? perChoice * choices : 0;
        var facts = new RequestFacts(request.model(), modalities, text, promptTokens, asked,
                IpAddresses.parse(clientAddress),
                request.responses() == null ? Set.of() : request.responses().hostedTools());
        return new Inspection(facts, promptTokens, reserve, units(endpoint, request));
    }

    /**
     * What a request sends or asks for beyond what its content parts show: {@code policy.modalities}
     * governs both. Audio endpoints are {@code audio}, image endpoints {@code image} (and
     * {@code text} for their prompt); a chat asking for audio ({@code modalities} naming it, or an
     * {@code audio} output parameter) or images, and a Responses request with an
     * {@code image_generation} tool, are the kinds they ask for.
     *
     * @param hasText whether the request carries any text (a prompt, a transcription hint)
     */
    static Set<Modality> mediaModalities(Endpoint endpoint, JsonNode json, boolean hasText) {
        Set<Modality> kinds = EnumSet.noneOf(Modality.class);
        switch (endpoint) {
            case TRANSCRIPTIONS, TRANSLATIONS -> kinds.add(Modality.AUDIO);
            case SPEECH -> kinds.addAll(List.of(Modality.TEXT, Modality.AUDIO));
            case IMAGE_GENERATIONS, IMAGE_EDITS -> kinds.addAll(List.of(Modality.TEXT, Modality.IMAGE));
            case MODERATIONS -> {
                if (json.path("input").isString() || hasText) {
                    kinds.add(Modality.TEXT);
                }
            }
            case CHAT_COMPLETIONS, MESSAGES, COMPLETIONS, EMBEDDINGS, RESPONSES -> {
                for (JsonNode asked : json.path("modalities")) {
                    switch (asked.asString("")) {
                        case "audio" -> kinds.add(Modality.AUDIO);
                        case "image" -> kinds.add(Modality.IMAGE);
                        default -> {
                        }
                    }
                }
                JsonNode audio = json.get("audio");
                if (audio != null && !audio.isNull() && endpoint != Endpoint.EMBEDDINGS) {
                    kinds.add(Modality.AUDIO);
                }
                for (JsonNode tool : json.path("tools")) {
                    if (tool.path("type").asString("").startsWith("image_generation")) {
                        kinds.add(Modality.IMAGE);
                    }
                }
            }
        }
        return kinds;
    }

    /**
     * The units a request is reserved (and billed when the backend reports none): characters to
     * speak (Unicode code points), images to make ({@code n}), seconds of audio to hear
     * ({@link AudioDuration}).
     */
    static Units units(Endpoint endpoint, ClientRequest request) {
        return switch (endpoint) {
            case SPEECH -> {
                String input = request.json().path("input").asString("");
                yield new Units(0, input.codePointCount(0, input.length()), 0);
            }
            case IMAGE_GENERATIONS, IMAGE_EDITS -> new Units(0, 0, request.choices());
            case TRANSCRIPTIONS, TRANSLATIONS -> {
                var files = request.upload().files();
                long bytes = files.isEmpty() ? 0 : files.getFirst().length();
                yield new Units(AudioDuration.seconds(request.upload().firstFileHead(), bytes), 0, 0);
            }
            case CHAT_COMPLETIONS, MESSAGES, COMPLETIONS, EMBEDDINGS, RESPONSES, MODERATIONS -> Units.NONE;
        };
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
