package io.portcullis.gateway.proxy;

import io.portcullis.policy.IpAddresses;
import io.portcullis.policy.Modality;
import io.portcullis.policy.RequestFacts;
import java.util.EnumSet;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads what the policy and the quotas need from a request body: the input kinds it carries,
 * its text (for deny patterns), an estimate of its prompt tokens and the output it may ask for.
 *
 * <p>Estimates are deliberately simple and on the generous side: a quarter token per character
 * of text, four tokens of framing per message, {@value #MEDIA_PART_TOKENS} per image, audio or
 * file part. They only size the reservation; settlement uses the backend's real counts.
 */
final class RequestInspector {

    static final int MEDIA_PART_TOKENS = 1000;
    /** No model writes more than this per choice; larger {@code max_tokens} values reserve this much. */
    static final long MAX_RESERVED_TOKENS = 10_000_000;
    static final int MESSAGE_FRAMING_TOKENS = 4;

    private RequestInspector() {
    }

    /** Facts of the request, plus how many output tokens to reserve when it sets no limit. */
    static Inspection inspect(Endpoint endpoint, ClientRequest request, String clientAddress, long defaultMaxTokens) {
        var text = new StringBuilder();
        Set<Modality> modalities = EnumSet.noneOf(Modality.class);
        long[] tokens = {0};
        JsonNode json = request.json();
        switch (endpoint) {
            case CHAT_COMPLETIONS, MESSAGES -> {
                for (JsonNode message : json.path("messages")) {
                    tokens[0] += MESSAGE_FRAMING_TOKENS;
                    content(message.get("content"), text, modalities, tokens);
                    for (JsonNode call : message.path("tool_calls")) {
                        appendText(call.path("function").path("arguments"), text, modalities);
                    }
                }
            }
            case COMPLETIONS -> prompt(json.get("prompt"), text, modalities, tokens);
            case EMBEDDINGS -> prompt(json.get("input"), text, modalities, tokens);
        }
        long promptTokens = tokens[0] + (text.length() + 3) / 4;
        long asked = request.maxTokens();
        long choices = request.choices();
        // Capped so absurd values cannot overflow the arithmetic; a limit still refuses them.
        long perChoice = Math.min(asked >= 0 ? asked : defaultMaxTokens, MAX_RESERVED_TOKENS);
        long reserve = endpoint == Endpoint.EMBEDDINGS ? 0 : perChoice * choices;
        var facts = new RequestFacts(request.model(), modalities, text.toString(), promptTokens, asked,
                IpAddresses.parse(clientAddress));
        return new Inspection(facts, promptTokens, reserve);
    }

    /**
     * @param completionReserve output tokens to reserve: {@code max_tokens} (times {@code n}) or the default
     */
    record Inspection(RequestFacts facts, long promptTokens, long completionReserve) {
        long reservedTokens() {
            return promptTokens + completionReserve;
        }
    }

    private static void content(JsonNode content, StringBuilder text, Set<Modality> modalities, long[] tokens) {
        if (content == null || content.isNull()) {
            return;
        }
        if (content.isString()) {
            appendText(content, text, modalities);
            return;
        }
        for (JsonNode part : content) {
            String type = part.path("type").asString("");
            switch (type) {
                case "text", "input_text" -> appendText(part.get("text"), text, modalities);
                case "image_url", "input_image", "image" -> media(Modality.IMAGE, modalities, tokens);
                case "input_audio", "audio" -> media(Modality.AUDIO, modalities, tokens);
                case "file", "input_file" -> media(Modality.FILE, modalities, tokens);
                case "refusal" -> appendText(part.get("refusal"), text, modalities);
                // A part we cannot classify is treated as the most restricted kind, so a policy
                // that allows only known kinds cannot be bypassed with a new part type.
                default -> media(Modality.FILE, modalities, tokens);
            }
        }
    }

    private static void prompt(JsonNode prompt, StringBuilder text, Set<Modality> modalities, long[] tokens) {
        if (prompt == null || prompt.isNull()) {
            return;
        }
        if (prompt.isString()) {
            appendText(prompt, text, modalities);
        } else if (prompt.isArray()) {
            for (JsonNode item : prompt) {
                if (item.isString()) {
                    appendText(item, text, modalities);
                } else if (item.isNumber()) {
                    tokens[0]++; // a pre-tokenised prompt: one token each
                    modalities.add(Modality.TEXT);
                } else if (item.isArray()) {
                    tokens[0] += item.size();
                    modalities.add(Modality.TEXT);
                }
            }
        }
    }

    private static void appendText(JsonNode node, StringBuilder text, Set<Modality> modalities) {
        if (node != null && node.isString()) {
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(node.stringValue());
            modalities.add(Modality.TEXT);
        }
    }

    private static void media(Modality modality, Set<Modality> modalities, long[] tokens) {
        modalities.add(modality);
        tokens[0] += MEDIA_PART_TOKENS;
    }
}
