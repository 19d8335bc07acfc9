package io.portcullis.policy;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Objects;

/**
 * A request's text as deny patterns read it: spelling tricks folded away, and its length bounded.
 *
 * <p>Folding is, in order: Unicode format characters (category Cf: zero-width space and joiner,
 * soft hyphen, bidi marks, byte order mark...) removed; NFKC normalisation (fullwidth
 * {@code ｓｅｃｒｅｔ} becomes {@code secret}, ligatures and compatibility forms their plain
 * letters); case folded by upper- then lower-casing in {@link Locale#ROOT}, twice (so
 * {@code ПАРОЛЬ} becomes {@code пароль}, and {@code STRASSE}, {@code STRAẞE} and {@code straße}
 * all become {@code strasse}); NFKC again,
 * because case mapping may leave text unnormalised. {@link DenyPattern} folds the literal
 * characters of its pattern the same way, so both sides meet in one spelling.
 *
 * <p>Folding may lengthen text (one character can become eighteen), so it is done in chunks and
 * stops at {@value #MAX_CHARS} folded characters: memory stays bounded whatever the request, and
 * text beyond the bound {@linkplain #complete() cannot be checked}. Chunks are cut before an
 * ASCII character, which no normalisation joins to what precedes it, so cutting changes nothing;
 * only in a run of several thousand characters without ASCII, letters or digits (which no
 * honest text has) may a cut fall between two characters that would have combined.
 */
public final class FoldedText {

    /** The most folded characters a request may have under a policy with deny patterns. */
    public static final int MAX_CHARS = 1_000_000;

    static final int CHUNK_CHARS = 8192;
    /** How far past a chunk's nominal end to look for a safe place to cut it. */
    private static final int CUT_SEARCH_CHARS = 4096;

    private static final FoldedText EMPTY = new FoldedText("", true);

    private final String text;
    private final boolean complete;

    private FoldedText(String text, boolean complete) {
        this.text = text;
        this.complete = complete;
    }

    /** Folds {@code text}, stopping once it passes {@value #MAX_CHARS} folded characters. */
    public static FoldedText of(CharSequence text) {
        return of(text, MAX_CHARS);
    }

    static FoldedText of(CharSequence text, int maxChars) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            return EMPTY;
        }
        var out = new StringBuilder(Math.min(text.length(), maxChars) + 16);
        for (int start = 0; start < text.length(); ) {
            int end = cut(text, start);
            out.append(fold(text.subSequence(start, end)));
            if (out.length() > maxChars) {
                return new FoldedText(out.substring(0, maxChars), false);
            }
            start = end;
        }
        return new FoldedText(out.toString(), true);
    }

    /**
     * @return false when the text folded to more than {@value #MAX_CHARS} characters; then
     *         {@link #text()} holds only its beginning, and the request cannot be checked
     */
    public boolean complete() {
        return complete;
    }

    /** The folded text (only its beginning when not {@link #complete()}). */
    public String text() {
        return text;
    }

    /** One piece of text folded: format characters removed, NFKC, case folded, NFKC. */
    static String fold(CharSequence text) {
        String s = withoutFormatCharacters(text);
        s = Normalizer.normalize(s, Normalizer.Form.NFKC);
        s = withoutFormatCharacters(s);
        s = s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
        // Twice: capital sharp s lower-cases to ß, which only upper-casing turns into SS.
        s = s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
        return Normalizer.normalize(s, Normalizer.Form.NFKC);
    }

    private static String withoutFormatCharacters(CharSequence text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); ) {
            int cp = Character.codePointAt(text, i);
            int next = i + Character.charCount(cp);
            if (Character.getType(cp) == Character.FORMAT) {
                if (out == null) {
                    out = new StringBuilder(text.length()).append(text, 0, i);
                }
            } else if (out != null) {
                out.append(text, i, next);
            }
            i = next;
        }
        return out == null ? text.toString() : out.toString();
    }

    /** Where the chunk starting at {@code start} ends: before an ASCII character if there is one near. */
    private static int cut(CharSequence text, int start) {
        int nominal = start + CHUNK_CHARS;
        if (nominal >= text.length()) {
            return text.length();
        }
        int limit = Math.min(text.length(), nominal + CUT_SEARCH_CHARS);
        for (int i = nominal; i < limit; i++) {
            if (text.charAt(i) < 0x80) {
                return i;
            }
        }
        // No ASCII: a letter or digit that never combines with what precedes it will do.
        for (int i = nominal; i < limit; i++) {
            char c = text.charAt(i);
            if (!Character.isLowSurrogate(c) && Character.isLetterOrDigit(c) && !joinsBackwards(c)) {
                return i;
            }
        }
        if (limit == text.length()) {
            return limit;
        }
        return Character.isLowSurrogate(text.charAt(limit)) ? limit - 1 : limit;
    }

    /** Letters that (after NFKC) may compose with the character before them: Hangul jamo, kana voicing marks. */
    private static boolean joinsBackwards(char c) {
        return (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F) || (c >= 0xA960 && c <= 0xA97F)
                || (c >= 0xD7B0 && c <= 0xD7FF) || (c >= 0xFF9E && c <= 0xFFDF);
    }

    @Override
    public String toString() {
        // Never the text itself: it may be sensitive.
        return "FoldedText[" + text.length() + " chars" + (complete ? "" : ", incomplete") + "]";
    }
}
