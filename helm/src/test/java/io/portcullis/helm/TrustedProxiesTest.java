package io.portcullis.helm;

import static io.portcullis.helm.Chart.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code gateway.trustedProxies} reaches the gateway's configuration, where it decides whose
 * {@code X-Forwarded-For} is believed. The default is an explicit empty list: pods on Kubernetes
 * must not fall back to Spring Boot trusting every private-range peer.
 */
class TrustedProxiesTest {

    @Test
    void rendersNoTrustedProxyByDefaultExplicitly() {
        var config = Chart.render().gatewayConfig();

        assertThat(at(config, "gateway", "trusted-proxies")).isEqualTo(List.of());
        assertThat(at(config, "server", "forward-headers-strategy")).as("left to the gateway to derive").isNull();
    }

    @Test
    void rendersTheListedNetworksIntoTheGatewayConfiguration() {
        var config = Chart.render("all-features.yaml").gatewayConfig();

        assertThat(at(config, "gateway", "trusted-proxies")).isEqualTo(List.of("10.244.0.0/16", "fd00:10:244::/56"));
    }

    @Test
    void changingTheTrustedProxiesRestartsThePods() {
        String before = checksum(Chart.render());
        String after = checksum(Chart.render(List.of(), Map.of("gateway.trustedProxies[0]", "10.0.0.0/8")));

        assertThat(after).isNotEqualTo(before);
    }

    @Test
    void rejectsAnEntryThatIsNotANetwork() {
        for (String bad : List.of("ingress-nginx.ingress.svc", "10\\.0\\..*", "10.0.0.*")) {
            assertThatThrownBy(() -> Chart.render(List.of(), Map.of("gateway.trustedProxies[0]", bad)))
                    .as(bad).hasMessageContaining("trustedProxies");
        }
    }

    private static String checksum(Chart.Rendered chart) {
        return (String) at(chart.deployment(), "spec", "template", "metadata", "annotations", "checksum/config");
    }
}
