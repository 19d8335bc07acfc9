package io.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Whose {@code X-Forwarded-For} is believed, seen through what a forged one would buy: passing a
 * key's {@code allowedCidrs}, or dodging the failed-authentication throttle. Two gateways on one
 * database: one as deployed on Kubernetes with no trusted proxy (where Spring Boot would trust
 * every private-range peer by itself), one trusting only 127.0.0.1 and ::1 as its load balancer.
 */
class ForwardedClientAddressTest {

    private static final String CHAT = GatewayClient.chat("fake-chat");

    private static EmbeddedPostgresServer postgres;
    private static StandaloneGateway onKubernetes;
    private static StandaloneGateway behindProxy;

    @BeforeAll
    static void start() {
        postgres = EmbeddedPostgresServer.ephemeral();
        onKubernetes = StandaloneGateway.start(postgres.jdbcUrl(), Map.of(
                "server.address", "127.0.0.1",
                "spring.main.cloud-platform", "kubernetes",
                "gateway.keys.max-failures-per-minute", "3"));
        behindProxy = StandaloneGateway.start(postgres.jdbcUrl(), Map.of(
                "server.address", "127.0.0.1",
                "gateway.trusted-proxies", "127.0.0.1/32,::1"));
    }

    @AfterAll
    static void stop() {
        if (behindProxy != null) {
            behindProxy.close();
        }
        if (onKubernetes != null) {
            onKubernetes.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aForgedForwardedForDoesNotPassAKeysAllowedNetworksOnKubernetes() {
        var client = onKubernetes.client();
        var office = client.createKey("{\"name\":\"office\",\"policy\":{\"allowedCidrs\":[\"203.0.113.0/24\"]}}");
        var local = client.createKey("{\"name\":\"local\",\"policy\":{\"allowedCidrs\":[\"127.0.0.0/8\",\"::1/128\"]}}");

        var forged = chat(onKubernetes, office.secret(), "203.0.113.7", null);
        var forgedRfc7239 = send(null, request(onKubernetes, office.secret(), null)
                .header("Forwarded", "for=203.0.113.7;proto=https").header("X-Real-IP", "203.0.113.7").build());

        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(GatewayClient.json(forged).at("/error/code").stringValue()).isEqualTo("policy_violation");
        assertThat(forgedRfc7239.statusCode()).isEqualTo(403);
        // the peer, not the header, is the client: a key for the peer's network still passes
        assertThat(chat(onKubernetes, local.secret(), "203.0.113.7", null).statusCode()).isEqualTo(200);
    }

    @Test
    void aForgedForwardedForDoesNotDodgeTheFailedAuthenticationThrottleOnKubernetes() {
        for (int i = 1; i <= 3; i++) {
            assertThat(chat(onKubernetes, unknownKey(i), "198.51.100." + i, null).statusCode()).isEqualTo(401);
        }

        var refused = chat(onKubernetes, unknownKey(4), "198.51.100.4", null);

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void behindATrustedProxyTheClientIsTheRightMostHopThatIsNotAProxy() {
        var client = behindProxy.client();
        var office = client.createKey("{\"name\":\"office\",\"policy\":{\"allowedCidrs\":[\"203.0.113.0/24\"]}}");

        assertThat(chat(behindProxy, office.secret(), "203.0.113.7", null).statusCode()).isEqualTo(200);
        // what the client wrote itself sits left of what the proxy appended, and is not believed
        assertThat(chat(behindProxy, office.secret(), "198.51.100.9, 203.0.113.7", null).statusCode()).isEqualTo(200);
        assertThat(chat(behindProxy, office.secret(), "203.0.113.7, 198.51.100.9", null).statusCode()).isEqualTo(403);
        // a second proxy hop inside the trusted networks is skipped
        assertThat(chat(behindProxy, office.secret(), "203.0.113.7, 127.0.0.1", null).statusCode()).isEqualTo(200);
        // no header: the proxy itself is the client
        assertThat(chat(behindProxy, office.secret(), null, null).statusCode()).isEqualTo(403);
    }

    @Test
    void behindATrustedProxyAnIpv6ClientIsRecognised() {
        var client = behindProxy.client();
        var v6 = client.createKey("{\"name\":\"v6\",\"policy\":{\"allowedCidrs\":[\"2001:db8::/32\"]}}");

        assertThat(chat(behindProxy, v6.secret(), "2001:db8::7", null).statusCode()).isEqualTo(200);
        assertThat(chat(behindProxy, v6.secret(), "2001:db9::7", null).statusCode()).isEqualTo(403);
    }

    @Test
    void aPeerOutsideTheTrustedProxiesCannotNameTheClient() throws IOException {
        var office = behindProxy.client().createKey(
                "{\"name\":\"office\",\"policy\":{\"allowedCidrs\":[\"203.0.113.0/24\"]}}");
        // another loopback address: reaches the gateway, but is not the trusted 127.0.0.1
        InetAddress untrusted = InetAddress.getByName("127.0.0.2");

        var forged = chat(behindProxy, office.secret(), "203.0.113.7", untrusted);

        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(chat(behindProxy, office.secret(), "203.0.113.7", null).statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> chat(StandaloneGateway gateway, String key, String forwardedFor,
                                             InetAddress from) {
        return send(from, request(gateway, key, forwardedFor).build());
    }

    /** Shaped like a key (so it is looked up and hashed), but no such key exists. */
    private static String unknownKey(int i) {
        return String.format("gw-unknownKey%02d-%s", i, "x".repeat(32));
    }

    private static HttpRequest.Builder request(StandaloneGateway gateway, String key, String forwardedFor) {
        var builder = HttpRequest.newBuilder(URI.create(gateway.client().base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(CHAT));
        if (forwardedFor != null) {
            builder.header("X-Forwarded-For", forwardedFor);
        }
        return builder;
    }

    private static HttpResponse<String> send(InetAddress from, HttpRequest request) {
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (from != null) {
            http.localAddress(from);
        }
        try (HttpClient client = http.build()) {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
