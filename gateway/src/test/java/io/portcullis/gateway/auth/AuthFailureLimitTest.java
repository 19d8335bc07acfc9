package io.portcullis.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.database.EmbeddedPostgresServer;
import io.portcullis.gateway.support.GatewayClient;
import io.portcullis.gateway.support.StandaloneGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The failed-authentication throttle, as attackers would probe it. The gateway sits behind a
 * trusted proxy at 127.0.0.1, so each test picks its callers' addresses through
 * {@code X-Forwarded-For} and the tests do not share a throttled address. Budget: 30 a minute.
 */
@ExtendWith(OutputCaptureExtension.class)
class AuthFailureLimitTest {

    private static final int BUDGET = 30;

    private static EmbeddedPostgresServer postgres;
    private static StandaloneGateway gateway;
    private static GatewayClient client;

    @BeforeAll
    static void start() {
        postgres = EmbeddedPostgresServer.ephemeral();
        gateway = StandaloneGateway.start(postgres.jdbcUrl(), Map.of(
                "server.address", "127.0.0.1",
                "gateway.trusted-proxies", "127.0.0.1/32",
                "gateway.keys.max-failures-per-minute", String.valueOf(BUDGET)));
        client = gateway.client();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void anAddressThatKeepsFailingIsAnswered429AndTheKeysItTriedAreNotLogged(CapturedOutput output) {
        String from = "192.0.2.1";
        for (int i = 0; i < BUDGET; i++) {
            assertThat(models(unknownKey(i), from).statusCode()).isEqualTo(401);
        }

        var refused = models(unknownKey(BUDGET), from);

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(GatewayClient.json(refused).at("/error/code").stringValue()).isEqualTo("rate_limit_exceeded");
        assertThat(models("not a key at all", from).statusCode()).isEqualTo(429);
        assertThat(models(null, from).statusCode()).isEqualTo(429);
        assertThat(output.getAll()).contains("API key authentication failed from 192.0.2.1")
                .doesNotContain(unknownKey(0).substring(16));
    }

    @Test
    void aValidKeyStillPassesFromAnAddressFarOverItsBudget() {
        String from = "192.0.2.2";
        var other = client.createKey();
        for (int i = 0; i < 40; i++) {
            // every kind of bad key: not key-shaped, no such key id, a wrong secret for a real key
            String key = switch (i % 4) {
                case 0 -> "gw-short";
                case 1 -> "nonsense " + i;
                case 2 -> unknownKey(100 + i);
                default -> wrongSecret(other.secret());
            };
            assertThat(models(key, from).statusCode()).as("attempt " + i).isEqualTo(i < BUDGET ? 401 : 429);
        }
        // never used before, so not cached: it is looked up and verified all the same
        var fresh = client.createKey();

        assertThat(models(fresh.secret(), from).statusCode()).isEqualTo(200);
        assertThat(chat(fresh.secret(), from).statusCode()).isEqualTo(200);
        assertThat(models(other.secret(), from).statusCode()).isEqualTo(200);
        assertThat(models(unknownKey(999), from).statusCode()).isEqualTo(429);
    }

    @Test
    void guessesAtOneKeySpreadOverManyAddressesAreThrottledPerKeyId(CapturedOutput output) {
        var target = client.createKey();
        String guess = wrongSecret(target.secret());
        for (int i = 1; i <= BUDGET; i++) {
            assertThat(models(guess, "198.51.100." + i).statusCode()).isEqualTo(401);
        }

        var refused = models(guess, "198.51.100." + (BUDGET + 1));

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        // the address is fresh: it is the key id that is throttled...
        assertThat(models(unknownKey(500), "198.51.100." + (BUDGET + 2)).statusCode()).isEqualTo(401);
        // ...and its holder, who has the secret, is not locked out by the guesser
        assertThat(models(target.secret(), "198.51.100." + (BUDGET + 3)).statusCode()).isEqualTo(200);
        assertThat(output.getAll()).contains("API key id " + publicId(target.secret()) + " has failed authentication")
                .doesNotContain(guess.substring(16));
    }

    @Test
    void anAddressThatKeepsGuessingOneKeyIsRefusedWithoutItsSecretBeingChecked() {
        String from = "192.0.2.4";
        var target = client.createKey();
        var unrelated = client.createKey();
        for (int i = 0; i < BUDGET; i++) {
            assertThat(models(wrongSecret(target.secret()), from).statusCode()).isEqualTo(401);
        }

        // The cost bound: further attempts from this address on this key id are not hashed, so
        // even the right secret is refused from here (the one documented way a right key meets 429)...
        assertThat(models(target.secret(), from).statusCode()).isEqualTo(429);
        // ...while the holder elsewhere, and other keys from here, pass.
        assertThat(models(target.secret(), "192.0.2.5").statusCode()).isEqualTo(200);
        assertThat(models(unrelated.secret(), from).statusCode()).isEqualTo(200);
    }

    @Test
    void aThrottledClientCannotShakeItOffByWritingItsOwnForwardedFor() {
        // The proxy appends the address it sees to whatever the client sent; only that right-most
        // hop counts, so a client at 192.0.2.6 writing "192.0.2.7" arrives as "192.0.2.7, 192.0.2.6".
        String from = "192.0.2.6";
        for (int i = 0; i < BUDGET; i++) {
            models(unknownKey(700 + i), from);
        }

        assertThat(models(unknownKey(800), from).statusCode()).isEqualTo(429);
        assertThat(models(unknownKey(801), from + ", 192.0.2.7").statusCode()).isEqualTo(401);
        assertThat(models(unknownKey(802), "192.0.2.7, " + from).statusCode()).isEqualTo(429);
    }

    private static HttpResponse<String> models(String key, String forwardedFor) {
        var builder = HttpRequest.newBuilder(URI.create(client.base() + "/v1/models"))
                .header("X-Forwarded-For", forwardedFor).timeout(Duration.ofSeconds(30)).GET();
        if (key != null) {
            builder.header("Authorization", "Bearer " + key);
        }
        return client.send(builder.build());
    }

    private static HttpResponse<String> chat(String key, String forwardedFor) {
        return client.send(HttpRequest.newBuilder(URI.create(client.base() + "/v1/chat/completions"))
                .header("X-Forwarded-For", forwardedFor).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(GatewayClient.chat("fake-chat"))).build());
    }

    /** Shaped like a key, so it is looked up, but naming no key that exists. */
    private static String unknownKey(int i) {
        return String.format("gw-nokeyid%05d-%s", i, "Q".repeat(32));
    }

    /** The right key id with the last characters of the secret changed. */
    private static String wrongSecret(String key) {
        return key.substring(0, key.length() - 6) + "Guess1";
    }

    private static String publicId(String key) {
        return ApiKeys.publicIdOf(key).orElseThrow();
    }
}
