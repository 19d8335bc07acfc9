package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.support.TestGateway;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class UpstreamKeySealerTest {

    private static UpstreamKeySealer sealer(String key) {
        var properties = new Binder(new MapConfigurationPropertySource(Map.of("gateway.upstream.encryption-key", key)))
                .bindOrCreate(UpstreamProperties.PREFIX, UpstreamProperties.class);
        return new UpstreamKeySealer(properties);
    }

    private static final URI CLOUD = URI.create("https://api.openai.com/v1");

    @Test
    void opensWhatItSealedAndNeverStoresThePlainKey() {
        var sealer = sealer(TestGateway.ENCRYPTION_KEY);

        byte[] sealed = sealer.seal("cloud", CLOUD, "sk-live-123");

        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("sk-live-123");
        assertThat(sealed[0]).isEqualTo(UpstreamKeySealer.BOUND_TO_URL);
        assertThat(sealer.open("cloud", CLOUD, sealed)).isEqualTo("sk-live-123");
        assertThat(sealer.seal("cloud", CLOUD, "sk-live-123")).isNotEqualTo(sealed); // fresh nonce each time
    }

    @Test
    void refusesAKeyMovedToAnotherBackendOrTamperedWith() {
        var sealer = sealer(TestGateway.ENCRYPTION_KEY);
        byte[] sealed = sealer.seal("cloud", CLOUD, "sk-live-123");

        assertThatThrownBy(() -> sealer.open("other", CLOUD, sealed)).isInstanceOf(IllegalStateException.class);
        sealed[sealed.length - 1] ^= 1;
        assertThatThrownBy(() -> sealer.open("cloud", CLOUD, sealed)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusesToOpenAKeyUnderAnyOtherBaseUrl() {
        var sealer = sealer(TestGateway.ENCRYPTION_KEY);
        byte[] sealed = sealer.seal("cloud", CLOUD, "sk-live-123");

        for (String elsewhere : new String[] {"https://attacker.example/v1", "http://api.openai.com/v1",
                "https://api.openai.com:8443/v1", "https://api.openai.com/v2", "https://api.openai.com"}) {
            assertThatThrownBy(() -> sealer.open("cloud", URI.create(elsewhere), sealed))
                    .as(elsewhere).isInstanceOf(IllegalStateException.class).hasMessageContaining("base URL");
        }
    }

    @Test
    void stillOpensAKeySealedBeforeItWasBoundToItsUrl() {
        var sealer = sealer(TestGateway.ENCRYPTION_KEY);
        byte[] legacy = sealer.sealBoundToNameOnly("cloud", "sk-live-123");

        assertThat(UpstreamKeySealer.isLegacy(legacy)).isTrue();
        assertThat(sealer.open("cloud", CLOUD, legacy)).isEqualTo("sk-live-123");
        assertThatThrownBy(() -> sealer.open("other", CLOUD, legacy)).isInstanceOf(IllegalStateException.class);
        assertThat(UpstreamKeySealer.isLegacy(sealer.seal("cloud", CLOUD, "sk-live-123"))).isFalse();
    }

    @Test
    void refusesAnUnknownFormatVersion() {
        var sealer = sealer(TestGateway.ENCRYPTION_KEY);
        byte[] sealed = sealer.seal("cloud", CLOUD, "sk-live-123");
        sealed[0] = 3;

        assertThatThrownBy(() -> sealer.open("cloud", CLOUD, sealed)).hasMessageContaining("malformed");
    }

    @Test
    void refusesAKeyOfTheWrongSize() {
        assertThatThrownBy(() -> sealer("c2hvcnQ=")).hasMessageContaining("16, 24 or 32 bytes");
    }
}
