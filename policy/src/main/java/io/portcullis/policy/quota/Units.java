package io.portcullis.policy.quota;

/**
 * What a request used besides tokens, in the units its endpoint is priced in: seconds of audio
 * heard (transcription, translation), characters spoken (speech), images made (generation, edits).
 * Zero where a kind does not apply. Counts are whole: seconds are rounded up by whoever measures them.
 *
 * @param audioSeconds seconds of audio input, rounded up
 * @param characters   characters of text turned into speech
 * @param images       images produced
 */
public record Units(long audioSeconds, long characters, long images) {

    /** No units: a token-only request. */
    public static final Units NONE = new Units(0, 0, 0);

    public Units {
        if (audioSeconds < 0 || characters < 0 || images < 0) {
            throw new IllegalArgumentException("unit counts must not be negative");
        }
    }
}
