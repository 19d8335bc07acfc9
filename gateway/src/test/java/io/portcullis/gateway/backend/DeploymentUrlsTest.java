package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A deployment keeps the URLs it built, so that an endpoint's URL is not rebuilt and rechecked on
 * every request: what it keeps must never let through what the checks refuse.
 */
class DeploymentUrlsTest {

    private static Deployment deployment(BackendType type, String baseUrl) {
        return new Deployment(new Backend("b", type, URI.create(baseUrl), null, List.of("m"), Map.of(), 1, 0), "m", "m");
    }

    @Test
    void givesTheSameUrlEachTimeAndTheSameAsAFreshDeployment() {
        var deployment = deployment(BackendType.OPENAI, "https://api.example.com/v1/");

        URI first = deployment.url("/chat/completions");

        assertThat(first).hasToString("https://api.example.com/v1/chat/completions");
        assertThat(deployment.url("/chat/completions", null)).isSameAs(first);
        assertThat(deployment(BackendType.OPENAI, "https://api.example.com/v1/").url("/chat/completions"))
                .isEqualTo(first);
        assertThat(deployment(BackendType.OLLAMA, "http://127.0.0.1:11434").url("/chat/completions"))
                .hasToString("http://127.0.0.1:11434/v1/chat/completions");
    }

    @Test
    void keepsAQueryApartFromThePathWithoutIt() {
        var gemini = deployment(BackendType.GEMINI, "https://generativelanguage.googleapis.com/v1beta");
        String path = "/models/m:streamGenerateContent";

        assertThat(gemini.url(path, "alt=sse"))
                .hasToString("https://generativelanguage.googleapis.com/v1beta/models/m:streamGenerateContent?alt=sse");
        assertThat(gemini.url(path)).hasToString(
                "https://generativelanguage.googleapis.com/v1beta/models/m:streamGenerateContent");
        assertThat(gemini.url(path, "alt=sse")).hasToString(
                "https://generativelanguage.googleapis.com/v1beta/models/m:streamGenerateContent?alt=sse");
    }

    @Test
    void refusesAPathWhoseTextIsAKeptPathAndQuery() {
        var deployment = deployment(BackendType.OPENAI, "https://api.example.com/v1");
        deployment.url("/chat", "x=1");

        // the key of the kept URL above is "/chat?x=1": as a path it is still refused
        assertThatThrownBy(() -> deployment.url("/chat?x=1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> deployment.url("/chat?x=1", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> deployment.url("/chat?x", "1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> deployment.url("/chat?x=1", "")).isInstanceOf(IllegalArgumentException.class);
        assertThat(deployment.url("/chat", "x=1")).hasToString("https://api.example.com/v1/chat?x=1");
    }

    @Test
    void refusesEveryTimeWhatTheChecksRefuseEvenNextToKeptUrls() {
        var deployment = deployment(BackendType.OPENAI, "https://api.example.com/v1");
        deployment.url("/chat/completions");
        deployment.url("/chat/completions", "alt=sse");

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> deployment.url("/../admin")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> deployment.url("/chat/completions/..")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> deployment.url("//evil.example/x")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> deployment.url("/chat/completions", "alt=sse#frag"))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> deployment.url("/chat/completions", "x=@evil/"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(deployment.cachedUrls()).isEqualTo(2);
    }

    @Test
    void keepsABoundedNumberOfUrlsHoweverManyPathsItIsAskedFor() {
        var deployment = deployment(BackendType.OPENAI, "https://api.example.com/v1");

        for (int i = 0; i < 1_000; i++) {
            assertThat(deployment.url("/responses/resp_" + i, "include=x" + i))
                    .hasToString("https://api.example.com/v1/responses/resp_" + i + "?include=x" + i);
        }

        assertThat(deployment.cachedUrls()).isEqualTo(Deployment.MAX_CACHED_URLS);
        // past the bound, still built and checked on each call
        assertThat(deployment.url("/responses/resp_late")).hasToString("https://api.example.com/v1/responses/resp_late");
        assertThatThrownBy(() -> deployment.url("/responses/../late")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isEqualByBackendAndModelsAsTheRecordWas() {
        var a = deployment(BackendType.OPENAI, "https://api.example.com/v1");
        var b = deployment(BackendType.OPENAI, "https://api.example.com/v1");
        a.url("/chat/completions");

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.id()).isEqualTo("b/m");
        assertThat(a).isNotEqualTo(new Deployment(a.backend(), "m", "other"));
    }
}
