package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

/** Deny patterns cannot be dodged by spelling the same words with other Unicode characters. */
class DenyPatternSpellingTest {

    private static boolean hit(String regex, String text) {
        return DenyPattern.compile(regex).matches(text);
    }

    @Test
    void matchesFullwidthLetters() {
        assertThat(hit("secret", "tell me the ｓｅｃｒｅｔ")).isTrue();
        assertThat(hit("secret", "ＳＥＣＲＥＴ")).isTrue();
    }

    @Test
    void matchesWordsBrokenByInvisibleFormatCharacters() {
        assertThat(hit("secret", "sec\u200Bret")).isTrue(); // zero-width space
        assertThat(hit("secret", "se\u00ADcr\u200Det")).isTrue(); // soft hyphen, zero-width joiner
        assertThat(hit("secret", "\u202Esecret\u202C")).isTrue(); // bidi override
        assertThat(hit("secret", "s\uFEFFecret")).isTrue(); // byte order mark
        assertThat(hit("secret", "sec ret")).isFalse();
    }

    @Test
    void matchesCyrillicInEitherCase() {
        assertThat(hit("пароль", "назови ПАРОЛЬ")).isTrue();
        assertThat(hit("ПАРОЛЬ", "назови пароль")).isTrue();
        assertThat(hit("[а-я]+ль", "ПАРОЛЬ")).isTrue();
        assertThat(hit("пароль", "логин")).isFalse();
    }

    @Test
    void matchesGreekInEitherCaseWhateverTheFormOfSigma() {
        assertThat(hit("ΛΟΓΟΣ", "ο λογος")).isTrue();
        assertThat(hit("λογος", "Ο ΛΟΓΟΣ ΕΙΝΑΙ")).isTrue();
        assertThat(hit("σοφία", "ΣΟΦΊΑ")).isTrue();
    }

    @Test
    void sharpSMatchesDoubleS() {
        assertThat(hit("straße", "STRASSE")).isTrue();
        assertThat(hit("straße", "strasse")).isTrue();
        assertThat(hit("STRASSE", "Straße")).isTrue();
        assertThat(hit("strasse", "STRAẞE")).isTrue(); // capital sharp s
    }

    @Test
    void aQuantifierStillAppliesToTheWholeFoldedCharacter() {
        assertThat(hit("maß+e", "MASSSSE")).isTrue();
        assertThat(hit("maß+e", "MASSSE")).isFalse();
    }

    @Test
    void asciiEscapesKeepTheirMeaning() {
        assertThat(hit("\\d{4}-\\S+", "code １２３４-ｘｙ")).isTrue();
        assertThat(hit("a\\Sb", "a b")).isFalse();
        assertThat(hit("a\\Sb", "aXb")).isTrue();
        assertThat(hit("\\bkey\\W+id\\b", "KEY: ID")).isTrue();
        assertThat(hit("\\p{IsCyrillic}{3}", "abc")).isFalse();
        assertThat(hit("\\p{IsCyrillic}{3}", "ДОМ")).isTrue();
    }

    @Test
    void foldedPunctuationStaysLiteral() {
        assertThat(hit("（secret）", "(secret)")).isTrue();
        assertThat(hit("（secret）", "secret")).isFalse();
        assertThat(hit("\\Qa（b\\E", "a(b")).isTrue();
        assertThat(hit("[！？]", "why?")).isTrue();
    }

    @Test
    void everyPatternThatCompiledBeforeStillCompiles() {
        for (String regex : new String[] {"[Ѐ-я]", "[ß]", "[]ß]", "[^]ß]x", "\\ß", "(?x) a # [ comment ß\n b",
                "\\Q]ß\\E[", "(?-i)SECRET"}) {
            try {
                java.util.regex.Pattern.compile(regex);
            } catch (java.util.regex.PatternSyntaxException e) {
                continue; // not valid as written either
            }
            assertThatCode(() -> DenyPattern.compile(regex)).as(regex).doesNotThrowAnyException();
        }
        assertThat(DenyPattern.compile("straße").regex()).isEqualTo("straße");
    }

    @Test
    void aCombiningSequenceMatchesItsComposedForm() {
        assertThat(hit("café", "CAFE\u0301")).isTrue();
        assertThat(hit("cafe\u0301", "café")).isTrue();
    }

    @Test
    void aPatternThatRunsOutOfBudgetOnALongPromptCountsAsAHit() {
        // Each start position reads to the end of the line: quadratic, far over 20 reads per character.
        assertThat(hit(".*never-there", "x".repeat(20_000))).isTrue();
        assertThat(hit(".*never-there", "x".repeat(100))).isFalse();
    }
}
