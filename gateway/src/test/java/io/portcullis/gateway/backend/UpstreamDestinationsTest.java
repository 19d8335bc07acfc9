package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rules of {@code gateway.upstream.allowed-hosts}, with a fake DNS so that names can point
 * anywhere (as an attacker's DNS would).
 */
class UpstreamDestinationsTest {

    private static final int GATEWAY_PORT = 8080;

    /** rebind.example resolves to 127.0.0.1, as a hostile name would; metadata.example to the metadata service. */
    private static final Map<String, String> DNS = Map.of(
            "rebind.example", "127.0.0.1",
            "metadata.example", "169.254.169.254",
            "api.example.com", "203.0.113.10",
            "example.com", "203.0.113.11",
            "vllm.internal", "10.1.2.3",
            "evil.example.com", "127.0.0.2");

    private static UpstreamDestinations destinations(String... patterns) {
        var destinations = new UpstreamDestinations(List.of(patterns), UpstreamDestinationsTest::resolve);
        destinations.addOwnPort(GATEWAY_PORT);
        return destinations;
    }

    private static InetAddress[] resolve(String host) throws UnknownHostException {
        String address = DNS.get(host);
        if (address != null) {
            return new InetAddress[] {InetAddress.getByName(address)};
        }
        if (host.matches("[0-9.]+") || host.contains(":")) {
            return new InetAddress[] {InetAddress.getByName(host)}; // literals never reach DNS
        }
        throw new UnknownHostException(host);
    }

    private static String refusal(UpstreamDestinations destinations, String url) {
        return destinations.refusal(URI.create(url)).orElse(null);
    }

    @Test
    void refusesMetadataLoopbackAndUnspecifiedAddressesWhenNothingIsListed() {
        var open = destinations();

        assertThat(refusal(open, "http://169.254.169.254/latest")).contains("link-local");
        assertThat(refusal(open, "http://[fe80::1]/v1")).contains("link-local");
        assertThat(refusal(open, "http://127.0.0.1:11434/v1")).contains("loopback");
        assertThat(refusal(open, "http://[::1]/v1")).contains("loopback");
        assertThat(refusal(open, "http://[::ffff:169.254.169.254]/v1")).contains("link-local");
        assertThat(refusal(open, "http://0.0.0.0:11434/v1")).contains("unspecified");
        assertThat(refusal(open, "http://[::]/v1")).contains("unspecified");
        assertThat(refusal(open, "https://api.example.com/v1")).isNull();
        assertThat(refusal(open, "http://vllm.internal:8000/v1")).isNull();
    }

    @Test
    void judgesANameByTheAddressesItResolvesTo() {
        var open = destinations();

        assertThat(refusal(open, "http://rebind.example/v1")).contains("loopback").contains("127.0.0.1");
        assertThat(refusal(open, "http://metadata.example/v1")).contains("link-local");
        assertThat(refusal(open, "http://nowhere.invalid/v1")).contains("does not resolve");
    }

    @Test
    void letsOnlyListedHostsThroughOnceAnyIsListed() {
        var listed = destinations("*.example.com", "vllm.internal:8000", "192.168.0.0/16");

        assertThat(refusal(listed, "https://api.example.com/v1")).isNull();
        assertThat(refusal(listed, "http://vllm.internal:8000/v1")).isNull();
        assertThat(refusal(listed, "http://vllm.internal:9000/v1")).contains("not in gateway.upstream.allowed-hosts");
        assertThat(refusal(listed, "http://192.168.4.2/v1")).isNull();
        assertThat(refusal(listed, "http://10.9.9.9/v1")).contains("not in gateway.upstream.allowed-hosts");
        assertThat(refusal(listed, "https://example.com/v1")).contains("not in gateway.upstream.allowed-hosts");
    }

    @Test
    void aWildcardNeverLicensesALoopbackAddress() {
        var listed = destinations("*.example.com");

        assertThat(refusal(listed, "http://evil.example.com/v1")).contains("loopback");
    }

    @Test
    void allowsLoopbackListedExplicitlyButNeverTheGatewaysOwnPortUnlessNamedWithIt() {
        assertThat(refusal(destinations("127.0.0.1"), "http://127.0.0.1:11434/v1")).isNull();
        assertThat(refusal(destinations("127.0.0.1"), "http://127.0.0.1:" + GATEWAY_PORT + "/admin"))
                .contains("this gateway itself");
        assertThat(refusal(destinations("rebind.example"), "http://rebind.example:" + GATEWAY_PORT + "/v1"))
                .contains("this gateway itself");
        assertThat(refusal(destinations("127.0.0.1:" + GATEWAY_PORT), "http://127.0.0.1:" + GATEWAY_PORT + "/v1"))
                .isNull();
        assertThat(refusal(destinations("169.254.169.254"), "http://169.254.169.254/latest")).isNull();
    }

    @Test
    void failsAtStartOnAPatternItCannotRead() {
        for (String bad : new String[] {"http://x", "10.0.0.0/40", "*", "host:99999", "[::1", "bad_host", "1.2.3/8"}) {
            assertThatThrownBy(() -> destinations("ok.example", bad)).as(bad)
                    .hasMessageStartingWith("gateway.upstream.allowed-hosts[1]: ");
        }
    }
}
