package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** How {@code gateway.backends} binds and routes: the plain models list keeps working beside aliases. */
class BackendConfigurationTest {

    private static BackendsProperties bind(Map<String, String> properties) {
        return bind(properties, BackendsProperties.PREFIX, BackendsProperties.class);
    }

    private static <T> T bind(Map<String, String> properties, String prefix, Class<T> type) {
        return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate(prefix, type);
    }

    private static UpstreamProperties upstream(Map<String, String> properties) {
        return bind(properties, UpstreamProperties.PREFIX, UpstreamProperties.class);
    }

    private static Map<String, String> twoBackends() {
        var p = new LinkedHashMap<String, String>();
        p.put("gateway.backends[0].name", "local");
        p.put("gateway.backends[0].base-url", "http://127.0.0.1:11434/v1");
        p.put("gateway.backends[0].type", "ollama");
        p.put("gateway.backends[0].models", "llama3.2, nomic-embed-text");
        p.put("gateway.backends[0].aliases.[gpt-4.1-mini]", "llama3.2:3b");
        p.put("gateway.backends[1].name", "cloud");
        p.put("gateway.backends[1].base-url", "https://api.openai.com/v1");
        p.put("gateway.backends[1].models[0]", "gpt-4.1-mini");
        p.put("gateway.backends[1].priority", "1");
        p.put("gateway.backends[1].weight", "5");
        return p;
    }

    @Test
    void routesOneModelToDeploymentsOnSeveralBackendsWithAliasesKeepingDots() {
        var registry = new BackendRegistry(bind(twoBackends()));

        var route = registry.route("gpt-4.1-mini").orElseThrow();
        assertThat(route.deployments()).extracting(d -> d.backend().name(), Deployment::upstreamModel,
                Deployment::priority).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("local", "llama3.2:3b", 0),
                        org.assertj.core.groups.Tuple.tuple("cloud", "gpt-4.1-mini", 1));
        assertThat(route.primary().backend().name()).isEqualTo("local");
        assertThat(registry.route("llama3.2").orElseThrow().deployments()).singleElement()
                .satisfies(d -> assertThat(d.renamesModel()).isFalse());
        assertThat(registry.modelTag("not-configured")).isEqualTo(BackendRegistry.OTHER_MODEL);
    }

    @Test
    void addsV1ToABareOllamaAddressOnly() {
        var p = twoBackends();
        p.put("gateway.backends[0].base-url", "http://127.0.0.1:11434");
        var registry = new BackendRegistry(bind(p));

        assertThat(registry.route("llama3.2").orElseThrow().primary().url("/chat/completions"))
                .hasToString("http://127.0.0.1:11434/v1/chat/completions");
        assertThat(registry.route("gpt-4.1-mini").orElseThrow().deployments().get(1).url("/chat/completions"))
                .hasToString("https://api.openai.com/v1/chat/completions");
    }

    @Test
    void refusesAModelListedTwiceByOneBackend() {
        var p = twoBackends();
        p.put("gateway.backends[0].aliases.llama3.2", "llama3.2:1b");

        assertThatThrownBy(() -> bind(p)).hasRootCauseMessage(
                "gateway.backends[local]: model 'llama3.2' is both in models and aliases");
    }

    @Test
    void refusesAWeightOutOfRange() {
        var p = twoBackends();
        p.put("gateway.backends[1].weight", "0");

        assertThatThrownBy(() -> bind(p)).hasRootCauseMessage("gateway.backends[cloud].weight must be between 1 and 1000");
    }

    @Test
    void keepsTheDefaultsOfResilienceWhenNothingIsSet() {
        var resilience = bind(twoBackends(), ResilienceProperties.PREFIX, ResilienceProperties.class);
        var upstream = upstream(twoBackends());

        assertThat(resilience.retry().maxAttempts()).isEqualTo(3);
        assertThat(resilience.circuitBreaker().failureRateThreshold()).isEqualTo(50);
        assertThat(upstream.idleTimeout()).hasSeconds(120);
        assertThat(upstream.allowedHosts()).isEmpty();
    }

    @Test
    void bindsAllowedHostsFromACommaListOrAnEmptyYamlList() {
        var p = twoBackends();
        p.put("gateway.upstream.allowed-hosts", "127.0.0.1, *.example.com");
        assertThat(upstream(p).allowedHosts()).containsExactly("127.0.0.1", "*.example.com");

        p.put("gateway.upstream.allowed-hosts", ""); // what the chart's "allowed-hosts: []" becomes
        assertThat(upstream(p).allowedHosts()).isEmpty();
    }

    @Test
    void refusesAtStartAConfiguredBaseUrlThatCouldChooseAnotherHostOrPath() {
        for (String hostile : new String[] {"http://user:pw@10.0.0.5/v1", "http://10.0.0.5/v1?x=", "http://10.0.0.5/v1#f",
                "http://10.0.0.5/v1/../admin", "http://10.0.0.5/v1/./admin",
                "ftp://10.0.0.5/v1", "http:///v1", "http:10.0.0.5"}) {
            var p = twoBackends();
            p.put("gateway.backends[1].base-url", hostile);

            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> bind(p));
            assertThat(refused).as(hostile).isNotNull().rootCause()
                    .hasMessageStartingWith("gateway.backends[cloud].base-url ");
        }
    }

    @Test
    void bindsAPercentEncodedClimbAsLiteralCharactersThatCannotClimb() {
        var p = twoBackends();
        p.put("gateway.backends[1].base-url", "http://10.0.0.5/v1/%2e%2e/admin");

        // Spring's URI binding escapes '%' itself: the backend receives the characters, not a climb
        var url = new BackendRegistry(bind(p)).route("gpt-4.1-mini").orElseThrow().deployments().get(1)
                .url("/chat/completions");

        assertThat(url.getRawPath()).isEqualTo("/v1/%252e%252e/admin/chat/completions");
        assertThat(url.normalize().getPath()).startsWith("/v1/");
    }

    @Test
    void allowsConfiguredBackendsOnLoopbackWhateverTheAllowedHosts() {
        var p = twoBackends();
        p.put("gateway.upstream.allowed-hosts", "api.openai.com");

        // configured backends are trusted operator configuration: 127.0.0.1 still binds and routes
        var registry = new BackendRegistry(bind(p));

        assertThat(registry.route("llama3.2").orElseThrow().primary().backend().baseUrl())
                .hasToString("http://127.0.0.1:11434/v1");
    }

    @Test
    void normalisesTheBaseUrlAndAppendsTheEndpointSegmentBySegment() {
        var p = twoBackends();
        p.put("gateway.backends[1].base-url", "HTTPS://API.OpenAI.com//v1/");
        var registry = new BackendRegistry(bind(p));
        var cloud = registry.route("gpt-4.1-mini").orElseThrow().deployments().get(1);

        assertThat(cloud.backend().baseUrl()).hasToString("https://api.openai.com/v1");
        assertThat(cloud.url("/embeddings")).hasToString("https://api.openai.com/v1/embeddings");
        assertThatThrownBy(() -> cloud.url("/../admin")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cloud.url("/chat?x=1")).isInstanceOf(IllegalArgumentException.class);
        assertThat(cloud.url("/chat", "alt=sse")).hasToString("https://api.openai.com/v1/chat?alt=sse");
        assertThatThrownBy(() -> cloud.url("/chat", "x=1#frag")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cloud.url("/chat", "x=@evil/")).isInstanceOf(IllegalArgumentException.class);
    }
}
