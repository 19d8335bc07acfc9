package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Provider-hosted tools carry fees the gateway cannot meter: none unless the key (and its team) list it. */
class HostedToolPolicyTest {

    private final AccessPolicy policy = new AccessPolicy();

    private static RequestFacts asking(String... tools) {
        return new RequestFacts("m1", Set.of(Modality.TEXT), "hi", 10, -1, null, Set.of(tools));
    }

    private static UsagePolicy listing(String... tools) {
        return new UsagePolicy(Set.of(), null, List.of(), List.of(), Set.of(tools));
    }

    private Decision check(UsagePolicy key, UsagePolicy team, RequestFacts facts) {
        return policy.checkRequest(key, Limits.NONE, team, Limits.NONE, facts);
    }

    @Test
    void aKeyWithoutAPolicyMayUseNoHostedTool() {
        var denied = check(UsagePolicy.DEFAULT, UsagePolicy.OPEN, asking("web_search"));

        assertThat(denied).isInstanceOfSatisfying(Decision.Denied.class, d -> {
            assertThat(d.reason()).isEqualTo(DenialReason.HOSTED_TOOL_NOT_ALLOWED);
            assertThat(d.message()).contains("'web_search'");
        });
        assertThat(check(UsagePolicy.DEFAULT, UsagePolicy.OPEN, asking()).isAllowed()).isTrue();
    }

    @Test
    void allowsOnlyTheListedTypes() {
        assertThat(check(listing("web_search"), UsagePolicy.OPEN, asking("web_search")).isAllowed()).isTrue();
        assertThat(check(listing("web_search"), UsagePolicy.OPEN, asking("web_search", "code_interpreter")))
                .isInstanceOf(Decision.Denied.class);
        // a dated variant is another type
        assertThat(check(listing("web_search"), UsagePolicy.OPEN, asking("web_search_preview_2025_03_11")))
                .isInstanceOf(Decision.Denied.class);
    }

    @Test
    void theTeamMustListItToo() {
        assertThat(check(listing("web_search"), UsagePolicy.DEFAULT, asking("web_search")))
                .isInstanceOf(Decision.Denied.class);
        assertThat(check(listing("web_search"), listing("web_search", "file_search"), asking("web_search"))
                .isAllowed()).isTrue();
    }

    @Test
    void theFourArgumentPolicyListsNone() {
        var old = new UsagePolicy(Set.of(), null, List.of(), List.of());

        assertThat(old.hostedTools()).isEmpty();
        assertThat(old.withModels(Set.of("m1")).hostedTools()).isEmpty();
    }
}
