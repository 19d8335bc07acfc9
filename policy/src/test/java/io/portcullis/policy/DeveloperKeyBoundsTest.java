package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeveloperKeyBoundsTest {

    private static final Limits BOUND_LIMITS = new Limits(60L, null, 100_000L, null, 5_000_000L, 4096L, null);
    private static final DeveloperKeyBounds BOUNDS = new DeveloperKeyBounds(BOUND_LIMITS, Set.of("gpt-4o-mini", "llama"),
            new UsagePolicy(Set.of(), Set.of(Modality.TEXT), List.of(Cidr.parse("10.0.0.0/8")),
                    List.of(DenyPattern.compile("secret")), Set.of("web_search")),
            DeveloperKeyBounds.DEFAULT_MAX_KEYS);

    private static DeveloperKeyBounds.Within within(DeveloperKeyBounds.Verdict verdict) {
        assertThat(verdict).isInstanceOf(DeveloperKeyBounds.Within.class);
        return (DeveloperKeyBounds.Within) verdict;
    }

    private static DeveloperKeyBounds.Wider wider(DeveloperKeyBounds.Verdict verdict) {
        assertThat(verdict).isInstanceOf(DeveloperKeyBounds.Wider.class);
        return (DeveloperKeyBounds.Wider) verdict;
    }

    @Test
    void fillsEveryOmittedFieldFromTheBound() {
        var key = within(BOUNDS.narrow(Limits.NONE, Set.of(), UsagePolicy.DEFAULT));

        assertThat(key.limits()).isEqualTo(BOUND_LIMITS);
        assertThat(key.models()).containsExactlyInAnyOrder("gpt-4o-mini", "llama");
        assertThat(key.policy().modalities()).containsExactly(Modality.TEXT);
        assertThat(key.policy().allowedCidrs()).containsExactly(Cidr.parse("10.0.0.0/8"));
        assertThat(key.policy().denyPatterns()).containsExactly(DenyPattern.compile("secret"));
        assertThat(key.policy().hostedTools()).isEmpty();
    }

    @Test
    void keepsNarrowerValuesAndAddsTheBoundsDenyPatternsToTheKeys() {
        var asked = new Limits(10L, 500L, 1_000L, null, null, null, 2L);
        var key = within(BOUNDS.narrow(asked, Set.of("llama"), new UsagePolicy(Set.of(), Set.of(Modality.TEXT),
                List.of(Cidr.parse("10.1.0.0/16")), List.of(DenyPattern.compile("mine")), Set.of("web_search"))));

        assertThat(key.limits()).isEqualTo(new Limits(10L, 500L, 1_000L, null, 5_000_000L, 4096L, 2L));
        assertThat(key.models()).containsExactly("llama");
        assertThat(key.policy().allowedCidrs()).containsExactly(Cidr.parse("10.1.0.0/16"));
        assertThat(key.policy().denyPatterns()).containsExactlyInAnyOrder(DenyPattern.compile("secret"),
                DenyPattern.compile("mine"));
        assertThat(key.policy().hostedTools()).containsExactly("web_search");
    }

    @Test
    void refusesALimitAboveTheBoundNamingTheField() {
        var refusal = wider(BOUNDS.narrow(new Limits(null, null, 100_001L, null, null, null, null), Set.of(),
                UsagePolicy.DEFAULT));
        assertThat(refusal.field()).isEqualTo("limits.tokensPerDay");
        assertThat(refusal.reason()).contains("100000");
    }

    @Test
    void refusesSpendAboveTheBoundInDollars() {
        var refusal = wider(BOUNDS.narrow(new Limits(null, null, null, null, 5_000_001L, null, null), Set.of(),
                UsagePolicy.DEFAULT));
        assertThat(refusal.field()).isEqualTo("limits.spendPerMonthUsd");
        assertThat(refusal.reason()).contains("5 USD");
    }

    @Test
    void refusesAModelOutsideTheBound() {
        assertThat(wider(BOUNDS.narrow(Limits.NONE, Set.of("llama", "gpt-5"), UsagePolicy.DEFAULT)).field())
                .isEqualTo("models");
    }

    @Test
    void refusesAModalityOutsideTheBound() {
        var policy = new UsagePolicy(Set.of(), Set.of(Modality.TEXT, Modality.IMAGE), List.of(), List.of());
        assertThat(wider(BOUNDS.narrow(Limits.NONE, Set.of(), policy)).field()).isEqualTo("policy.modalities");
    }

    @Test
    void refusesANetworkWiderThanOrBesideTheBounds() {
        for (String cidr : List.of("0.0.0.0/0", "10.0.0.0/7", "11.0.0.0/8", "::/0")) {
            var policy = new UsagePolicy(Set.of(), null, List.of(Cidr.parse(cidr)), List.of());
            assertThat(wider(BOUNDS.narrow(Limits.NONE, Set.of(), policy)).field()).as(cidr)
                    .isEqualTo("policy.allowedCidrs");
        }
    }

    @Test
    void refusesAHostedToolTheBoundDoesNotList() {
        var policy = new UsagePolicy(Set.of(), null, List.of(), List.of(), Set.of("code_interpreter"));
        assertThat(wider(BOUNDS.narrow(Limits.NONE, Set.of(), policy)).field()).isEqualTo("policy.hostedTools");
    }

    @Test
    void anEmptyBoundLeavesTheKeyAsAsked() {
        var open = new DeveloperKeyBounds(Limits.NONE, Set.of(), UsagePolicy.DEFAULT, 1);
        var key = within(open.narrow(Limits.NONE, Set.of(), UsagePolicy.DEFAULT));
        assertThat(key.limits()).isEqualTo(Limits.NONE);
        assertThat(key.models()).isEmpty();
        assertThat(key.policy().modalities()).isNull();
    }

    @Test
    void refusesAKeyCountOutsideItsRange() {
        assertThatThrownBy(() -> new DeveloperKeyBounds(Limits.NONE, Set.of(), UsagePolicy.DEFAULT, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DeveloperKeyBounds(Limits.NONE, Set.of(), UsagePolicy.DEFAULT, 1001))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
