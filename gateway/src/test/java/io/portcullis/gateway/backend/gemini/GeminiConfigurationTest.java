package io.portcullis.gateway.backend.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.backend.Backend;
import io.portcullis.gateway.backend.BackendType;
import io.portcullis.gateway.backend.BackendsProperties;
import io.portcullis.gateway.backend.BackendRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * A {@code type: gemini} backend as the contract configures it (section 5): its upstream model
 * names become URL path segments, so they are checked when bound.
 */
class GeminiConfigurationTest {

    private static BackendsProperties bind(String upstreamModel) {
        var p = new LinkedHashMap<String, String>();
        p.put("gateway.backends[0].name", "google");
        p.put("gateway.backends[0].type", "gemini");
        p.put("gateway.backends[0].base-url", "https://generativelanguage.googleapis.com/v1beta");
        p.put("gateway.backends[0].aliases.flash", upstreamModel);
        return new Binder(new MapConfigurationPropertySource(p)).bindOrCreate(BackendsProperties.PREFIX, BackendsProperties.class);
    }

    @Test
    void resolvesGeminiMethodPathsBelowTheBaseUrl() {
        var deployment = new BackendRegistry(bind("gemini-2.5-flash")).route("flash").orElseThrow().primary();

        assertThat(deployment.backend().type()).isEqualTo(BackendType.GEMINI);
        assertThat(deployment.url("/models/gemini-2.5-flash:streamGenerateContent", "alt=sse")).hasToString(
                "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    }

    @Test
    void takesModelNamesWithTheirCollection() {
        for (String good : new String[] {"gemini-2.0-flash", "models/gemini-embedding-001", "tunedModels/my-model-1"}) {
            assertThat(bind(good).backends()).singleElement()
                    .satisfies(b -> assertThat(b.aliases()).containsEntry("flash", good));
        }
    }

    @Test
    void refusesAnUpstreamModelNameThatIsNoPathSegment() {
        for (String bad : new String[] {"../files", "gemini?alt=json", "models/a/b", "a b", "gemini#x", "files/x"}) {
            assertThatThrownBy(() -> bind(bad)).as(bad).isInstanceOf(BindException.class)
                    .rootCause().hasMessageContaining("is not a Gemini model name");
        }
    }

    @Test
    void leavesOtherBackendTypesNamesAlone() {
        var backend = new Backend("local", BackendType.OLLAMA,
                java.net.URI.create("http://127.0.0.1:11434/v1"), null, java.util.List.of(),
                Map.of("gpt-4o-mini", "llama3.2:3b"), 1, 0);

        assertThat(backend.aliases()).containsEntry("gpt-4o-mini", "llama3.2:3b");
    }
}
