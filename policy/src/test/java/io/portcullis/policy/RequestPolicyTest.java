package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestPolicyTest {

    private final AccessPolicy policy = new AccessPolicy();

    private static RequestFacts facts(Set<Modality> modalities, String text, long maxTokens, String address) {
        return new RequestFacts("m1", modalities, text, 10, maxTokens, IpAddresses.parse(address));
    }

    private static RequestFacts text(String text) {
        return facts(Set.of(Modality.TEXT), text, -1, "10.1.2.3");
    }

    private DenialReason denial(UsagePolicy key, Limits keyLimits, UsagePolicy team, RequestFacts facts) {
        Decision d = policy.checkRequest(key, keyLimits, team, Limits.NONE, facts);
        return d instanceof Decision.Denied denied ? denied.reason() : null;
    }

    @Test
    void anOpenPolicyAllowsEverything() {
        assertThat(denial(UsagePolicy.OPEN, Limits.NONE, UsagePolicy.OPEN,
                facts(Set.of(Modality.TEXT, Modality.IMAGE, Modality.AUDIO), "hello", 100_000, "8.8.8.8"))).isNull();
    }

    @Test
    void deniesImagesWhenOnlyTextIsAllowed() {
        var textOnly = new UsagePolicy(Set.of(), Set.of(Modality.TEXT), List.of(), List.of());
        assertThat(denial(textOnly, Limits.NONE, UsagePolicy.OPEN, facts(Set.of(Modality.TEXT, Modality.IMAGE), "", -1,
                "10.0.0.1"))).isEqualTo(DenialReason.MODALITY_NOT_ALLOWED);
        assertThat(denial(textOnly, Limits.NONE, UsagePolicy.OPEN, text("hi"))).isNull();
    }

    @Test
    void theTeamsPolicyAppliesOnTopOfTheKeys() {
        var noAudio = new UsagePolicy(Set.of(), Set.of(Modality.TEXT, Modality.IMAGE), List.of(), List.of());
        assertThat(denial(UsagePolicy.OPEN, Limits.NONE, noAudio, facts(Set.of(Modality.AUDIO), "", -1, "10.0.0.1")))
                .isEqualTo(DenialReason.MODALITY_NOT_ALLOWED);
        var teamModels = UsagePolicy.OPEN.withModels(Set.of("other-model"));
        assertThat(denial(UsagePolicy.OPEN, Limits.NONE, teamModels, text("x"))).isEqualTo(DenialReason.MODEL_NOT_ALLOWED);
    }

    @Test
    void deniesClientsOutsideTheAllowedNetworks() {
        var office = new UsagePolicy(Set.of(), null, List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::/32")),
                List.of());
        assertThat(denial(office, Limits.NONE, UsagePolicy.OPEN, facts(Set.of(), "", -1, "10.200.0.1"))).isNull();
        assertThat(denial(office, Limits.NONE, UsagePolicy.OPEN, facts(Set.of(), "", -1, "2001:db8:1::5"))).isNull();
        assertThat(denial(office, Limits.NONE, UsagePolicy.OPEN, facts(Set.of(), "", -1, "::ffff:10.0.0.7"))).isNull();
        assertThat(denial(office, Limits.NONE, UsagePolicy.OPEN, facts(Set.of(), "", -1, "192.168.1.1")))
                .isEqualTo(DenialReason.ADDRESS_NOT_ALLOWED);
        assertThat(denial(office, Limits.NONE, UsagePolicy.OPEN, facts(Set.of(), "", -1, "2001:db9::1")))
                .isEqualTo(DenialReason.ADDRESS_NOT_ALLOWED);
    }

    @Test
    void deniesPromptsMatchingADenyPattern() {
        var rules = new UsagePolicy(Set.of(), null, List.of(), List.of(DenyPattern.compile("(?i)secret project")));
        assertThat(denial(rules, Limits.NONE, UsagePolicy.OPEN, text("Tell me about the SECRET Project")))
                .isEqualTo(DenialReason.CONTENT_DENIED);
        assertThat(denial(rules, Limits.NONE, UsagePolicy.OPEN, text("Tell me about the weather"))).isNull();
    }

    @Test
    void aCatastrophicPatternIsStoppedByItsBudgetAndCountsAsAHit() {
        var evil = DenyPattern.compile("(a+)+b");
        long start = System.nanoTime();
        assertThat(evil.matches("a".repeat(5000) + "c")).isTrue();
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(5));
        assertThat(evil.matches("aab")).isTrue();
        assertThat(evil.matches("xyz")).isFalse();
    }

    @Test
    void refusesPatternsThatAreTooLongOrInvalid() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DenyPattern.compile("a".repeat(1001)))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DenyPattern.compile("(unclosed"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deniesMaxTokensAboveThePerRequestLimit() {
        var limits = new Limits(null, null, null, null, null, 1000L, null);
        assertThat(denial(UsagePolicy.OPEN, limits, UsagePolicy.OPEN, facts(Set.of(), "", 1000, "10.0.0.1"))).isNull();
        assertThat(denial(UsagePolicy.OPEN, limits, UsagePolicy.OPEN, facts(Set.of(), "", 1001, "10.0.0.1")))
                .isEqualTo(DenialReason.MAX_TOKENS_EXCEEDED);
    }

    @Test
    void parsesNetworksStrictly() {
        assertThat(Cidr.parse("192.168.0.0/16").contains(IpAddresses.parse("192.168.255.1"))).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Cidr.parse("example.com/8"))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(IpAddresses.parse("256.1.1.1")).isNull();
        assertThat(IpAddresses.parse("::1")).hasSize(16);
    }
}
