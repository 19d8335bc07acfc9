package io.portcullis.helm;

import static io.portcullis.helm.Chart.at;
import static io.portcullis.helm.Chart.list;
import static io.portcullis.helm.Chart.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Secrets reach the pod only as references to Secrets the operator created (values/existing-secrets.yaml). */
class ExistingSecretsTest {

    private final Chart.Rendered chart = Chart.render("existing-secrets.yaml");

    @Test
    void readsEverySecretFromTheNamedExistingSecrets() {
        Map<String, Object> refs = env().stream().filter(e -> e.containsKey("valueFrom")).collect(Collectors.toMap(
                e -> (String) e.get("name"),
                e -> at(e, "valueFrom", "secretKeyRef", "name") + "/" + at(e, "valueFrom", "secretKeyRef", "key")));

        assertThat(refs).containsExactlyInAnyOrderEntriesOf(Map.of(
                "SPRING_DATASOURCE_PASSWORD", "portcullis-db/db-password",
                "GATEWAY_KEYS_PEPPER", "portcullis-secrets/keys-pepper",
                "GATEWAY_ADMIN_TOKEN", "portcullis-secrets/admin-bearer",
                "GATEWAY_AUDIT_KEY", "portcullis-secrets/audit-hmac",
                "GATEWAY_UPSTREAM_ENCRYPTION_KEY", "portcullis-secrets/upstream-encryption-key",
                "PORTCULLIS_BACKEND_1_API_KEY", "upstream-keys/openai"));
    }

    @Test
    void keepsAGeneratedAuditKeyInTheDatabaseOnlyWithoutASecret() {
        assertThat(at(chart.gatewayConfig(), "gateway", "audit", "generated-key-store")).isEqualTo("file");
        assertThat(at(Chart.render().gatewayConfig(), "gateway", "audit", "generated-key-store"))
                .isEqualTo("database");
    }

    @Test
    void neverRendersASecretOrASecretValue() {
        assertThat(chart.kinds()).doesNotContain("Secret");
        assertThat(env()).filteredOn(e -> e.containsKey("value")).extracting(e -> e.get("name"))
                .containsExactly("JAVA_TOOL_OPTIONS");
        assertThat(Chart.render().container().get("env")).asList().hasSize(1);
    }

    @Test
    void refersToUpstreamKeysByPlaceholderInTheConfiguration() {
        var backends = list(at(chart.gatewayConfig(), "gateway", "backends"));

        assertThat(backends).extracting(b -> map(b).get("name"), b -> map(b).get("api-key"))
                .containsExactly(tuple("vllm", null),
                        tuple("openai", "${PORTCULLIS_BACKEND_1_API_KEY}"), tuple("claude", null));
        assertThat(at(chart.gatewayConfig(), "spring", "datasource")).asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.MAP).doesNotContainKey("password")
                .containsEntry("username", "portcullis_app");
    }

    @Test
    void rendersAliasesWithBracketedKeysSoDottedModelNamesSurviveBinding() {
        var claude = map(list(at(chart.gatewayConfig(), "gateway", "backends")).get(2));

        assertThat(claude).containsEntry("type", "anthropic").containsEntry("weight", 3).containsEntry("priority", 1);
        assertThat(map(claude.get("aliases"))).containsExactly(Map.entry("[gpt-4.1]", "claude-haiku-4-5"));
    }

    private List<Map<String, Object>> env() {
        return list(chart.container().get("env")).stream().map(Chart::map).toList();
    }
}
