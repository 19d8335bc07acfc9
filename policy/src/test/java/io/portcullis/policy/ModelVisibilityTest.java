package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which served models a key is shown: the key's allow list and its team's models, both. */
class ModelVisibilityTest {

    private static final List<String> SERVED = List.of("gpt-4o", "llama3.2", "claude", "embed");
    private final AccessPolicy policy = new AccessPolicy();

    private static UsagePolicy team(String... models) {
        return UsagePolicy.OPEN.withModels(Set.of(models));
    }

    private static KeyGrant key(String... models) {
        return new KeyGrant(Set.of(models), null, null);
    }

    @Test
    void showsEveryServedModelToAKeyWithoutAllowListOrTeam() {
        assertThat(policy.visibleModels(KeyGrant.unrestricted(), UsagePolicy.OPEN, SERVED)).isEqualTo(SERVED);
    }

    @Test
    void showsOnlyTheModelsBothTheKeyAndItsTeamAdmit() {
        assertThat(policy.visibleModels(key("gpt-4o", "claude", "embed"), team("claude", "embed", "llama3.2"), SERVED))
                .containsExactly("claude", "embed");
    }

    @Test
    void hidesModelsTheKeyMayUseButNobodyServes() {
        assertThat(policy.visibleModels(key("gpt-5", "embed"), UsagePolicy.OPEN, SERVED)).containsExactly("embed");
    }

    @Test
    void keepsTheServedOrder() {
        assertThat(policy.visibleModels(KeyGrant.unrestricted(), team("embed", "gpt-4o", "claude"), SERVED))
                .containsExactly("gpt-4o", "claude", "embed");
    }

    @Test
    void showsNothingWhenTheKeyAndTeamListsDoNotMeet() {
        assertThat(policy.visibleModels(key("gpt-4o"), team("claude"), SERVED)).isEmpty();
    }

    @Test
    void showsExactlyTheModelsARequestMayNameWithoutRefusal() {
        var grants = List.of(KeyGrant.unrestricted(), key("gpt-4o", "claude"), key("embed"));
        var teams = List.of(UsagePolicy.OPEN, team("claude", "embed"), team("llama3.2"));
        for (KeyGrant grant : grants) {
            for (UsagePolicy team : teams) {
                var visible = policy.visibleModels(grant, team, SERVED);
                for (String model : SERVED) {
                    var facts = new RequestFacts(model, Set.of(Modality.TEXT), "hi", 1, -1, null);
                    Decision decision = policy.checkModel(grant, model).isAllowed()
                            ? policy.checkRequest(UsagePolicy.OPEN.withModels(grant.models()), Limits.NONE, team,
                                    Limits.NONE, facts)
                            : policy.checkModel(grant, model);
                    assertThat(visible.contains(model))
                            .as("%s for key %s, team %s", model, grant.models(), team.models())
                            .isEqualTo(decision.isAllowed());
                }
            }
        }
    }
}
