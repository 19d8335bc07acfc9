package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The folded request text: one spelling for many, and a bound on what is scanned. */
class FoldedTextTest {

    private final AccessPolicy policy = new AccessPolicy();

    private static UsagePolicy denying(String regex) {
        return new UsagePolicy(Set.of(), null, List.of(), List.of(DenyPattern.compile(regex)));
    }

    private Decision check(UsagePolicy key, String text) {
        var facts = new RequestFacts("m1", Set.of(Modality.TEXT), text, 10, -1, null);
        return policy.checkRequest(key, Limits.NONE, UsagePolicy.OPEN, Limits.NONE, facts);
    }

    private static DenialReason reason(Decision d) {
        return d instanceof Decision.Denied denied ? denied.reason() : null;
    }

    @Test
    void foldsToOneSpelling() {
        assertThat(FoldedText.of("ＰＡＳＳ\u200Bword Straße ﬁle ПАРОЛЬ").text()).isEqualTo("password strasse file пароль");
    }

    @Test
    void foldingInChunksGivesTheSameTextAsFoldingAtOnce() {
        var mixed = new StringBuilder();
        for (int i = 0; mixed.length() < 5 * FoldedText.CHUNK_CHARS; i++) {
            mixed.append("Ｗörd\u200B ").append(i).append(" ΟΔΟΣ ßtraße e\u0301 한국어 ");
        }
        assertThat(FoldedText.of(mixed).text()).isEqualTo(FoldedText.fold(mixed));
    }

    @Test
    void aChunkIsNeverCutBeforeACombiningMark() {
        String cyrillic = "ж".repeat(FoldedText.CHUNK_CHARS - 1) + "и\u0306" + "ж".repeat(10_000);
        assertThat(DenyPattern.compile("й").matches(cyrillic)).isTrue();
        String latin = "x".repeat(FoldedText.CHUNK_CHARS - 1) + "e\u0301" + "x".repeat(10_000);
        assertThat(DenyPattern.compile("xéx").matches(latin)).isTrue();
    }

    @Test
    void textUpToTheBoundIsChecked() {
        String text = "a".repeat(FoldedText.MAX_CHARS - 20) + " the secret";
        assertThat(FoldedText.of(text).complete()).isTrue();
        assertThat(reason(check(denying("secret"), text))).isEqualTo(DenialReason.CONTENT_DENIED);
        assertThat(reason(check(denying("nothing here"), text))).isNull();
    }

    @Test
    void textThatFoldsPastTheBoundIsRefusedUnderAPolicyWithPatterns() {
        // 60,000 characters, each folding to 18: over a million once folded.
        String text = "\uFDFA".repeat(60_000);
        assertThat(FoldedText.of(text).complete()).isFalse();
        assertThat(FoldedText.of(text).text()).hasSize(FoldedText.MAX_CHARS);
        Decision refused = check(denying("nothing here"), text);
        assertThat(reason(refused)).isEqualTo(DenialReason.CONTENT_DENIED);
        assertThat(((Decision.Denied) refused).message()).doesNotContain("\uFDFA").contains("1000000");
        assertThat(check(UsagePolicy.OPEN, text).isAllowed()).isTrue();
    }

    @Test
    void theTeamsPatternsAlsoRefuseTextTooLongToCheck() {
        var facts = new RequestFacts("m1", Set.of(Modality.TEXT), "x".repeat(FoldedText.MAX_CHARS + 1), 10, -1, null);
        Decision d = policy.checkRequest(UsagePolicy.OPEN, Limits.NONE, denying("y"), Limits.NONE, facts);
        assertThat(reason(d)).isEqualTo(DenialReason.CONTENT_DENIED);
    }

    @Test
    void invisibleCharactersDoNotCountTowardsTheBound() {
        String text = "\u200B".repeat(2 * FoldedText.MAX_CHARS) + "secret";
        assertThat(FoldedText.of(text).text()).isEqualTo("secret");
        assertThat(reason(check(denying("secret"), text))).isEqualTo(DenialReason.CONTENT_DENIED);
    }

    @Test
    void requestFactsDoNotShowTheirTextWhenPrinted() {
        var facts = new RequestFacts("m1", Set.of(Modality.TEXT), "my secret prompt", 10, -1, null);
        assertThat(facts.toString()).doesNotContain("secret").contains("16 chars");
    }
}
