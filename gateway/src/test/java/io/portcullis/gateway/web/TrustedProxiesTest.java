package io.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** How {@code gateway.trusted-proxies} becomes the server's forwarding settings, before anything starts. */
class TrustedProxiesTest {

    @Test
    void withoutTrustedProxiesForwardingHeadersAreOffExplicitly() {
        var environment = environment(Map.of());

        assertThat(environment.getProperty("server.forward-headers-strategy")).isEqualTo("none");
        assertThat(environment.getProperty("server.tomcat.remoteip.internal-proxies")).isEmpty();
        assertThat(environment.getProperty("server.tomcat.remoteip.trusted-proxies")).isEmpty();
    }

    @Test
    void anEmptyValueAsFromAnUnsetEnvironmentVariableMeansNone() {
        var environment = environment(Map.of("gateway.trusted-proxies", ""));

        assertThat(environment.getProperty("server.forward-headers-strategy")).isEqualTo("none");
    }

    @Test
    void theDocumentedEnvironmentVariableFillsTheListThroughApplicationYml() {
        var environment = environment(Map.of("gateway.trusted-proxies", "${GATEWAY_TRUSTED_PROXIES:}",
                "GATEWAY_TRUSTED_PROXIES", "10.244.0.0/16,fd00::/8"));

        assertThat(environment.getProperty("server.forward-headers-strategy")).isEqualTo("native");
        assertThat(environment.getProperty("server.tomcat.remoteip.internal-proxies")).isEqualTo("10.244.0.0/16,fd00::/8");
    }

    @Test
    void trustedNetworksBecomeTomcatNetmasksWithTheirPrefixSpelledOut() {
        var environment = environment(Map.of("gateway.trusted-proxies", "10.0.0.0/8, 192.0.2.10 ,2001:db8::/32,::1"));

        assertThat(environment.getProperty("server.forward-headers-strategy")).isEqualTo("native");
        assertThat(environment.getProperty("server.tomcat.remoteip.internal-proxies"))
                .isEqualTo("10.0.0.0/8,192.0.2.10/32,2001:db8::/32,::1/128");
    }

    @Test
    void refusesAnEntryThatIsNotANetworkNamingTheProperty() {
        for (String bad : List.of("10.0.0.0/33", "ingress.example.com", "10.0.0.*", "10\\.0\\..*")) {
            assertThatThrownBy(() -> environment(Map.of("gateway.trusted-proxies", bad)))
                    .as(bad).hasMessageContaining("gateway.trusted-proxies").hasMessageContaining("is not an IP network");
        }
    }

    @Test
    void refusesAForwardHeadersStrategySetByHand() {
        // native with no trusted proxies is exactly Spring Boot's trust-every-private-peer default
        assertThatThrownBy(() -> environment(Map.of("server.forward-headers-strategy", "native")))
                .hasMessageContaining("server.forward-headers-strategy").hasMessageContaining("gateway.trusted-proxies");
        assertThatThrownBy(() -> environment(Map.of("server.forward-headers-strategy", "framework",
                "gateway.trusted-proxies", "10.0.0.0/8")))
                .hasMessageContaining("server.forward-headers-strategy");
        assertThatThrownBy(() -> environment(Map.of("server.tomcat.remoteip.internal-proxies", "10\\.\\d+\\.\\d+\\.\\d+")))
                .hasMessageContaining("server.tomcat.remoteip.internal-proxies");
    }

    @Test
    void acceptsTheSameStrategySetByHand() {
        var environment = environment(Map.of("server.forward-headers-strategy", "NONE"));

        assertThat(environment.getProperty("server.forward-headers-strategy")).isEqualTo("none");
    }

    private static StandardEnvironment environment(Map<String, Object> given) {
        var environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("given", given));
        new TrustedProxies().postProcessEnvironment(environment, new SpringApplication());
        return environment;
    }
}
