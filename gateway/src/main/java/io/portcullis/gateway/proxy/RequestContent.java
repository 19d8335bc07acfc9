package io.portcullis.gateway.proxy;

import io.portcullis.policy.Modality;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Everything a request body gives the model to read, found by walking the whole JSON tree: its
 * text (for deny patterns), the kinds of input it carries (for modality rules) and a token
 * estimate of them. Nothing is skipped because it sits in a field the gateway does not know: a
 * policy that saw only {@code messages[].content} could be dodged through a tool description.
 *
 * <p><b>Text</b> is every string value anywhere, joined by line breaks, but the top-level
 * {@code model} and binary carriers, which are not text: {@code data} of a base64
 * {@code source} (Anthropic images and documents) and of {@code input_audio}; {@code url} and
 * {@code image_url} strings that are {@code data:} URLs; {@code file_data}; the {@code signature}
 * of a thinking block and the {@code data} of a redacted one (opaque, checked by Anthropic).
 * None of these exceptions applies inside {@code parameters}, {@code input_schema}, {@code schema}, {@code input} and
 * {@code arguments} objects (tool schemas, response formats, tool call inputs), which the model
 * reads as JSON: there every string and every field <em>name</em> is text.
 *
 * <p><b>Modalities</b>: every element of an array under a {@code content} (or {@code system}) key,
 * at any depth outside those free-form objects, is a content part, classified by its
 * {@code type}: text kinds are text; {@code image_url}, {@code image}, {@code input_image} image;
 * {@code input_audio}, {@code audio} audio; {@code document}, {@code file}, {@code input_file}
 * file; {@code search_result} text; {@code tool_use}, {@code tool_result}, {@code thinking},
 * {@code redacted_thinking} only hold other content. Any other type counts as a file, the most
 * restricted kind, so a policy cannot be bypassed with a part type the gateway does not know.
 * Besides, any object outside free-form objects whose {@code type} names an image, audio or file
 * kind ({@code computer_screenshot} is an image) counts wherever it sits, but for an Anthropic
 * {@code source}'s own type: the Responses API carries them in a {@code function_call_output}'s
 * {@code output}, a {@code computer_call_output}, or a prompt template's variables.
 * A string {@code content}, {@code system}, {@code prompt} or {@code input} is text; so is each
 * string of a Responses {@code input} array, whose items count as messages.
 *
 * @param text       the text, as sent
 * @param modalities the kinds of input found
 * @param tokens     the prompt estimate: a quarter token per character of text, plus
 *                   {@value #MEDIA_PART_TOKENS} per image, audio or file part,
 *                   {@value #MESSAGE_FRAMING_TOKENS} per message and one per pre-tokenised token
 */
record RequestContent(String text, Set<Modality> modalities, long tokens) {

    static final int MEDIA_PART_TOKENS = 1000;
    static final int MESSAGE_FRAMING_TOKENS = 4;

    private static final Set<String> FREE_FORM = Set.of("parameters", "input_schema", "schema", "input", "arguments");

    private enum Kind { TEXT, IMAGE, AUDIO, FILE, CONTAINER }

    private static final Map<String, Kind> PART_TYPES = Map.ofEntries(
            Map.entry("text", Kind.TEXT), Map.entry("input_text", Kind.TEXT), Map.entry("output_text", Kind.TEXT),
            Map.entry("refusal", Kind.TEXT), Map.entry("search_result", Kind.TEXT),
            Map.entry("image_url", Kind.IMAGE), Map.entry("image", Kind.IMAGE), Map.entry("input_image", Kind.IMAGE),
            Map.entry("computer_screenshot", Kind.IMAGE),
            Map.entry("input_audio", Kind.AUDIO), Map.entry("audio", Kind.AUDIO),
            Map.entry("document", Kind.FILE), Map.entry("file", Kind.FILE), Map.entry("input_file", Kind.FILE),
            Map.entry("tool_use", Kind.CONTAINER), Map.entry("tool_result", Kind.CONTAINER),
            Map.entry("thinking", Kind.CONTAINER), Map.entry("redacted_thinking", Kind.CONTAINER));

    /**
     * @param body the body in the client's own protocol: for {@code /v1/messages} the Anthropic
     *             original (what an Anthropic backend receives; a translation only ever drops content)
     */
    static RequestContent of(Endpoint endpoint, JsonNode body) {
        var walk = new Walk(endpoint);
        walk.root(body);
        long tokens = walk.tokens + (walk.text.length() + 3) / 4;
        return new RequestContent(walk.text.toString(), walk.modalities, tokens);
    }

    /** The state of one walk over one body. */
    private static final class Walk {
        private final Endpoint endpoint;
        private final StringBuilder text = new StringBuilder();
        private final Set<Modality> modalities = EnumSet.noneOf(Modality.class);
        private long tokens;

        Walk(Endpoint endpoint) {
            this.endpoint = endpoint;
        }

        void root(JsonNode body) {
            if (!body.isObject()) {
                value(null, body, null, null, false);
                return;
            }
            for (var field : body.properties()) {
                String name = field.getKey();
                JsonNode value = field.getValue();
                if (name.equals("model")) {
                    continue; // routing, not read by the model (and its allow list is checked apart)
                }
                if ((name.equals("prompt") && endpoint == Endpoint.COMPLETIONS)
                        || (name.equals("input") && (endpoint == Endpoint.EMBEDDINGS
                                || endpoint == Endpoint.MODERATIONS))) {
                    prompt(value);
                } else if (name.equals("input") && endpoint == Endpoint.RESPONSES) {
                    responsesInput(value);
                } else if (name.equals("messages") && value.isArray()) {
                    for (JsonNode message : value) {
                        tokens += MESSAGE_FRAMING_TOKENS;
                        value(null, message, null, null, false);
                    }
                } else {
                    value(name, value, body, null, false);
                }
            }
        }

        /**
         * @param name      the field holding the value, or null for an array element
         * @param owner     the object holding the field, or null
         * @param ownerName the field holding {@code owner}, or null
         * @param freeForm  inside a schema or tool input: every field name and string is text
         *                  (the model reads it as JSON), and nothing is a content part
         */
        private void value(String name, JsonNode value, JsonNode owner, String ownerName, boolean freeForm) {
            if (value.isString()) {
                if (freeForm || !binary(name, value.stringValue(), owner, ownerName)) {
                    if (!freeForm && ("content".equals(name) || "system".equals(name))) {
                        modalities.add(Modality.TEXT);
                    }
                    append(value.stringValue());
                }
            } else if (value.isArray()) {
                boolean parts = !freeForm && ("content".equals(name) || "system".equals(name));
                for (JsonNode element : value) {
                    if (parts) {
                        part(element);
                    } else {
                        value(null, element, null, null, freeForm);
                    }
                }
            } else if (value.isObject()) {
                // an Anthropic source's own type ("file": a Files API reference) says where, not what
                Modality media = freeForm || "source".equals(name) ? null : mediaKind(value);
                if (media != null) {
                    // wherever it sits: a Responses function_call_output's output, a computer
                    // screenshot, a prompt template variable are no content arrays
                    media(media);
                }
                boolean inner = freeForm || (name != null && FREE_FORM.contains(name));
                for (var field : value.properties()) {
                    if (inner) {
                        append(field.getKey());
                    }
                    value(field.getKey(), field.getValue(), value, name, inner);
                }
            }
        }

        private void part(JsonNode part) {
            if (part.isString()) {
                modalities.add(Modality.TEXT);
                append(part.stringValue());
                return;
            }
            JsonNode type = part.get("type");
            Kind kind = type != null && type.isString() ? PART_TYPES.getOrDefault(type.stringValue(), Kind.FILE)
                    : Kind.FILE;
            if (kind == Kind.TEXT) {
                modalities.add(Modality.TEXT);
            } else if (kind == Kind.FILE && mediaKind(part) == null) {
                media(Modality.FILE); // an unknown type, or none: the most restricted kind
            }
            // a known image, audio or file part is counted by the walk below, like one found elsewhere
            value(null, part, null, null, false);
        }

        /** Completions' {@code prompt} and embeddings' {@code input}: text, or token ids. */
        private void prompt(JsonNode prompt) {
            if (prompt.isString()) {
                modalities.add(Modality.TEXT);
                append(prompt.stringValue());
            } else if (prompt.isArray()) {
                for (JsonNode item : prompt) {
                    if (item.isNumber()) {
                        tokens++; // a pre-tokenised prompt: one token each
                        modalities.add(Modality.TEXT);
                    } else if (item.isArray()) {
                        tokens += item.size();
                        modalities.add(Modality.TEXT);
                        value(null, item, null, null, false); // token ids; a string in there is still text
                    } else {
                        prompt(item);
                    }
                }
            } else {
                value(null, prompt, null, null, false);
            }
        }

        /** The Responses API's {@code input}: a string, or items (messages, tool outputs...). */
        private void responsesInput(JsonNode input) {
            if (input.isString()) {
                modalities.add(Modality.TEXT);
                append(input.stringValue());
            } else if (input.isArray()) {
                for (JsonNode item : input) {
                    tokens += MESSAGE_FRAMING_TOKENS;
                    if (item.isString()) {
                        modalities.add(Modality.TEXT);
                        append(item.stringValue());
                    } else {
                        value(null, item, null, null, false);
                    }
                }
            } else {
                value(null, input, null, null, false);
            }
        }

        private void media(Modality modality) {
            modalities.add(modality);
            tokens += MEDIA_PART_TOKENS;
        }

        private void append(String s) {
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(s);
        }
    }

    /** The input kind of an object whose {@code type} names an image, audio or file part, or null. */
    private static Modality mediaKind(JsonNode object) {
        JsonNode type = object.get("type");
        if (type == null || !type.isString()) {
            return null;
        }
        return switch (PART_TYPES.getOrDefault(type.stringValue(), Kind.CONTAINER)) {
            case IMAGE -> Modality.IMAGE;
            case AUDIO -> Modality.AUDIO;
            case FILE -> Modality.FILE;
            case TEXT, CONTAINER -> null;
        };
    }

    /** Whether a string is a binary payload (an image, audio, a file, a signature) rather than text. */
    private static boolean binary(String name, String value, JsonNode owner, String ownerName) {
        if (name == null || owner == null) {
            return false;
        }
        String ownerType = owner.path("type").asString("");
        return switch (name) {
            case "file_data" -> true;
            case "url", "image_url" -> value.stripLeading().regionMatches(true, 0, "data:", 0, 5);
            case "data" -> "input_audio".equals(ownerName) || ownerType.equals("base64")
                    || ownerType.equals("redacted_thinking");
            case "signature" -> ownerType.equals("thinking");
            default -> false;
        };
    }

    @Override
    public String toString() {
        return "RequestContent[" + text.length() + " chars, " + modalities + ", " + tokens + " tokens]";
    }
}
