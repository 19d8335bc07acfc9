package io.portcullis.policy;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A regular expression that refuses requests whose text it finds. Compiled once, when the policy is set.
 *
 * <p><b>Spelling.</b> Patterns match {@link FoldedText}: the request's text with format characters
 * removed, NFKC-normalised and case folded. So that a pattern meets the text in the same spelling,
 * it is compiled {@link Pattern#CASE_INSENSITIVE} | {@link Pattern#UNICODE_CASE}, and each of its
 * literal non-ASCII characters is folded like the text ({@code ПАРОЛЬ} becomes {@code пароль},
 * {@code ß} becomes {@code ss}, fullwidth {@code ｓ} becomes {@code s}); ASCII is left as written,
 * so escapes such as {@code \S}, {@code \d} or {@code \p{Lu}} keep their meaning. Two limits: a
 * character written as an escape ({@code \u00DF}) is not folded, and inside a character class a
 * character that folds to several ({@code [ß]}) stays as written and so never matches; write
 * {@code ss} or {@code (?:ß)} instead. A pattern whose folded form does not compile (a class range
 * whose ends fold out of order) is used as written, still case-insensitively.
 *
 * <p><b>Cost.</b> Java regexes backtrack, so a pattern like {@code (a+)+b} can take exponential
 * time on a crafted prompt. Three guards: patterns are at most {@value #MAX_PATTERN_LENGTH}
 * characters; the text is at most {@value FoldedText#MAX_CHARS} folded characters (see
 * {@link AccessPolicy}); and each match may read at most {@value #STEPS_PER_CHAR} characters of
 * input per input character, plus {@value #FIXED_STEPS}. A match that runs out of budget counts
 * as a hit, so an attacker cannot slip past a pattern by making it slow.
 */
public final class DenyPattern {

    public static final int MAX_PATTERN_LENGTH = 1000;
    static final int STEPS_PER_CHAR = 20;
    static final long FIXED_STEPS = 100_000;
    private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;

    private final String regex;
    private final Pattern pattern;

    private DenyPattern(String regex, Pattern pattern) {
        this.regex = regex;
        this.pattern = pattern;
    }

    /** @throws IllegalArgumentException for a pattern that is too long or does not compile */
    public static DenyPattern compile(String regex) {
        Objects.requireNonNull(regex, "regex");
        if (regex.isEmpty() || regex.length() > MAX_PATTERN_LENGTH) {
            throw new IllegalArgumentException("deny patterns must be 1 to " + MAX_PATTERN_LENGTH + " characters");
        }
        Pattern asWritten;
        try {
            asWritten = Pattern.compile(regex, FLAGS);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid deny pattern: " + e.getDescription());
        }
        String folded = PatternFolding.fold(regex);
        if (folded.equals(regex)) {
            return new DenyPattern(regex, asWritten);
        }
        try {
            return new DenyPattern(regex, Pattern.compile(folded, FLAGS));
        } catch (PatternSyntaxException e) {
            return new DenyPattern(regex, asWritten);
        }
    }

    /** @return whether the folded text matches, or the match ran out of its budget */
    public boolean matches(FoldedText text) {
        String s = text.text();
        var budgeted = new BudgetedText(s, FIXED_STEPS + (long) STEPS_PER_CHAR * s.length());
        try {
            Matcher m = pattern.matcher(budgeted);
            return m.find();
        } catch (BudgetExceeded e) {
            return true;
        }
    }

    /**
     * Folds {@code text} and matches it; a text too long to fold counts as a hit. To check one
     * text against several patterns, fold it once with {@link FoldedText#of} instead.
     */
    public boolean matches(String text) {
        FoldedText folded = FoldedText.of(text);
        return !folded.complete() || matches(folded);
    }

    /** The pattern as the admin wrote it. */
    public String regex() {
        return regex;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DenyPattern d && d.regex.equals(regex);
    }

    @Override
    public int hashCode() {
        return regex.hashCode();
    }

    @Override
    public String toString() {
        return regex;
    }

    private static final class BudgetExceeded extends RuntimeException {
        BudgetExceeded() {
            super(null, null, false, false);
        }
    }

    /** Counts every character the regex engine reads and stops it at the budget. */
    private static final class BudgetedText implements CharSequence {
        private final String text;
        private long remaining;

        BudgetedText(String text, long budget) {
            this.text = text;
            this.remaining = budget;
        }

        @Override
        public char charAt(int index) {
            if (--remaining < 0) {
                throw new BudgetExceeded();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.subSequence(start, end);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
