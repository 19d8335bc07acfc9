package io.portcullis.policy;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A regular expression that refuses prompts it finds. Compiled once, when the policy is set.
 *
 * <p>Java regexes backtrack, so a pattern like {@code (a+)+b} can take exponential time on a
 * crafted prompt. Two guards: patterns are at most {@value #MAX_PATTERN_LENGTH} characters, and
 * each match may read at most {@value #STEPS_PER_CHAR} characters of input per input character
 * (plus a fixed allowance); a match that runs out of budget counts as a hit, so an attacker
 * cannot slip past a pattern by making it slow.
 */
public final class DenyPattern {

    public static final int MAX_PATTERN_LENGTH = 1000;
    static final int STEPS_PER_CHAR = 200;
    static final long FIXED_STEPS = 100_000;

    private final Pattern pattern;

    private DenyPattern(Pattern pattern) {
        this.pattern = pattern;
    }

    /** @throws IllegalArgumentException for a pattern that is too long or does not compile */
    public static DenyPattern compile(String regex) {
        Objects.requireNonNull(regex, "regex");
        if (regex.isEmpty() || regex.length() > MAX_PATTERN_LENGTH) {
            throw new IllegalArgumentException("deny patterns must be 1 to " + MAX_PATTERN_LENGTH + " characters");
        }
        try {
            return new DenyPattern(Pattern.compile(regex));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid deny pattern: " + e.getDescription());
        }
    }

    /** @return whether the text matches, or the match ran out of its budget */
    public boolean matches(String text) {
        var budgeted = new BudgetedText(text, FIXED_STEPS + (long) STEPS_PER_CHAR * text.length());
        try {
            Matcher m = pattern.matcher(budgeted);
            return m.find();
        } catch (BudgetExceeded e) {
            return true;
        }
    }

    public String regex() {
        return pattern.pattern();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DenyPattern d && d.pattern.pattern().equals(pattern.pattern());
    }

    @Override
    public int hashCode() {
        return pattern.pattern().hashCode();
    }

    @Override
    public String toString() {
        return pattern.pattern();
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
