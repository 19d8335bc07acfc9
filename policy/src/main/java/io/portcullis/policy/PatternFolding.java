package io.portcullis.policy;

import java.text.Normalizer;

/**
 * Rewrites a regular expression so that its literal non-ASCII characters are spelled as
 * {@link FoldedText} spells text; everything ASCII (syntax, escapes, names) is copied as written.
 *
 * <p>The pattern is first put in NFC, so a letter and its combining accent become the one character
 * they are in normalised text. A folded character may become several, or ASCII punctuation (fullwidth {@code （} folds to
 * {@code (}), so the result is quoted: ASCII punctuation is escaped, and several characters are
 * grouped ({@code ß+} becomes {@code (?:ss)+}, keeping what the quantifier applies to). Inside a
 * character class a group cannot be written, so only a character that folds to exactly one
 * character is replaced there. Inside {@code \Q...\E} the quote is closed around the replacement.
 */
final class PatternFolding {

    private PatternFolding() {
    }

    static String fold(String written) {
        // Composed first, so that "e" + U+0301 is one literal "é", as in NFKC-normalised text.
        String regex = Normalizer.normalize(written, Normalizer.Form.NFC);
        var out = new StringBuilder(regex.length() + 16);
        int classDepth = 0;
        boolean quoted = false;
        int i = 0;
        while (i < regex.length()) {
            int cp = regex.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (quoted) {
                if (regex.startsWith("\\E", i)) {
                    quoted = false;
                    out.append("\\E");
                    next = i + 2;
                } else if (cp < 0x80) {
                    out.append((char) cp);
                } else {
                    out.append("\\E").append(literal(cp, classDepth > 0)).append("\\Q");
                }
            } else if (cp == '\\' && next < regex.length()) {
                int escaped = regex.codePointAt(next);
                if (escaped == 'Q') {
                    quoted = true;
                    out.append("\\Q");
                    next += 1;
                } else if (escaped < 0x80) {
                    out.append('\\').append((char) escaped);
                    next += 1;
                }
                // else: a backslash before a non-ASCII character only makes it literal, which
                // the replacement written next already is.
            } else if (cp == '[') {
                classDepth++;
                out.append('[');
                // "[]" and "[^]" begin a class holding ']': that ']' does not close it.
                if (regex.startsWith("^", next)) {
                    out.append('^');
                    next++;
                }
                if (regex.startsWith("]", next)) {
                    out.append(']');
                    next++;
                }
            } else if (cp == ']' && classDepth > 0) {
                classDepth--;
                out.append(']');
            } else if (cp < 0x80) {
                out.append((char) cp);
            } else {
                out.append(literal(cp, classDepth > 0));
            }
            i = next;
        }
        return out.toString();
    }

    /** The folded form of one literal character, quoted for where it stands. */
    private static String literal(int cp, boolean inClass) {
        String folded = FoldedText.fold(Character.toString(cp));
        int length = folded.codePointCount(0, folded.length());
        if (length == 1) {
            return quote(folded);
        }
        if (inClass) {
            return Character.toString(cp);
        }
        return "(?:" + quote(folded) + ")";
    }

    private static String quote(String text) {
        var out = new StringBuilder(text.length() + 4);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80 && !Character.isLetterOrDigit(c)) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }
}
