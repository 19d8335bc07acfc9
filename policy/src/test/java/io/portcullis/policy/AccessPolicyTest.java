package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {

    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private final AccessPolicy policy = new AccessPolicy();

    @Test
    void allowsLiveKeyWithoutExpiry() {
        assertThat(policy.checkKey(KeyGrant.unrestricted(), NOW)).isEqualTo(Decision.ALLOWED);
    }

    @Test
    void deniesRevokedKey() {
        var grant = new KeyGrant(Set.of(), null, NOW.minusSeconds(1));
        assertThat(policy.checkKey(grant, NOW))
                .isInstanceOfSatisfying(Decision.Denied.class, d -> {
                    assertThat(d.reason()).isEqualTo(DenialReason.KEY_REVOKED);
                    assertThat(d.retryAfter()).isEqualTo(Duration.ZERO);
                });
    }

    @Test
    void deniesKeyFromTheInstantItExpires() {
        var grant = new KeyGrant(Set.of(), NOW, null);
        assertThat(policy.checkKey(grant, NOW.minusNanos(1)).isAllowed()).isTrue();
        assertThat(policy.checkKey(grant, NOW))
                .isInstanceOfSatisfying(Decision.Denied.class,
                        d -> assertThat(d.reason()).isEqualTo(DenialReason.KEY_EXPIRED));
    }

    @Test
    void emptyAllowListAdmitsEveryModel() {
        assertThat(policy.checkModel(KeyGrant.unrestricted(), "anything").isAllowed()).isTrue();
    }

    @Test
    void deniesModelOutsideTheAllowList() {
        var grant = new KeyGrant(Set.of("llama3.2"), null, null);
        assertThat(policy.checkModel(grant, "llama3.2").isAllowed()).isTrue();
        assertThat(policy.checkModel(grant, "gpt-4o"))
                .isInstanceOfSatisfying(Decision.Denied.class, d -> {
                    assertThat(d.reason()).isEqualTo(DenialReason.MODEL_NOT_ALLOWED);
                    assertThat(d.message()).contains("gpt-4o");
                });
    }

    @Test
    void denialTagsAreStableLowerCaseNames() {
        for (DenialReason reason : DenialReason.values()) {
            assertThat(reason.tag()).matches("[a-z_]+");
        }
    }
}
