package io.portcullis.policy;

import java.util.Locale;
import java.util.Optional;

/**
 * Kinds of input a request carries, detected from its content parts (OpenAI) or blocks
 * (Anthropic) at any depth: text; image ({@code image_url}, {@code image}, {@code input_image});
 * audio ({@code input_audio}, {@code audio}); file (documents such as PDFs, which models read as
 * text and images, and any part type the gateway does not know: the most restricted kind).
 */
public enum Modality {
    TEXT, IMAGE, AUDIO, FILE;

    /** The lower-case name used in policies and messages. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Modality> fromTag(String tag) {
        for (Modality m : values()) {
            if (m.tag().equals(tag)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
