package io.portcullis.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.GatewayProperties;
import io.portcullis.gateway.support.TestGateway;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class UpstreamKeySealerTest {

    private static UpstreamKeySealer sealer(String key) {
        var properties = new Binder(new MapConfigurationPropertySource(Map.of("gateway.upstream.encryption-key", key)))
                .bindOrCreate("gateway", GatewayProperties.class);
        return new UpstreamKeySealer(properties);
    }

    @Test
    void opensWhatItSealedAndNeverStoresThePlainKey() {
        var sealer = sealer(TestGateway.ENCRYPTION_KEY);

        byte[] sealed = sealer.seal("cloud", "sk-live-123");

        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("sk-live-123");
        assertThat(sealer.open("cloud", sealed)).isEqualTo("sk-live-123");
        assertThat(sealer.seal("cloud", "sk-live-123")).isNotEqualTo(sealed); // fresh nonce each time
    }

    @Test
    void refusesAKeyMovedToAnotherBackendOrTamperedWith() {
        var sealer = sealer(TestGateway.ENCRYPTION_KEY);
        byte[] sealed = sealer.seal("cloud", "sk-live-123");

        assertThatThrownBy(() -> sealer.open("other", sealed)).isInstanceOf(IllegalStateException.class);
        sealed[sealed.length - 1] ^= 1;
        assertThatThrownBy(() -> sealer.open("cloud", sealed)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusesAKeyOfTheWrongSize() {
        assertThatThrownBy(() -> sealer("c2hvcnQ=")).hasMessageContaining("16, 24 or 32 bytes");
    }
}
