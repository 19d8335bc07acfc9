package io.portcullis.policy;

import java.util.Locale;
import java.util.Optional;

/**
 * Kinds of input a request carries, detected from OpenAI content parts: {@code text},
 * {@code image_url}/{@code input_image} (image), {@code input_audio} (audio) and {@code file}
 * (file: documents such as PDFs, which models read as text and images).
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
