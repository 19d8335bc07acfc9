package io.portcullis.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    @Test
    void generatedKeysHaveTheDocumentedShapeAndParseBackToTheirPublicId() {
        var generated = ApiKeys.generate();
        assertThat(generated.key()).matches("gw-[0-9A-Za-z]{12}-[0-9A-Za-z]{32}");
        assertThat(ApiKeys.publicIdOf(generated.key())).hasValue(generated.publicId());
        assertThat(generated.prefix()).isEqualTo("gw-" + generated.publicId());
        assertThat(generated.toString()).doesNotContain(generated.secret());
    }

    @Test
    void generatedKeysDoNotRepeat() {
        var seen = new HashSet<String>();
        for (int i = 0; i < 10_000; i++) {
            assertThat(seen.add(ApiKeys.generate().key())).isTrue();
        }
    }

    @Test
    void rejectsTextThatIsNotShapedLikeAKey() {
        assertThat(ApiKeys.publicIdOf(null)).isEmpty();
        assertThat(ApiKeys.publicIdOf("sk-abc")).isEmpty();
        assertThat(ApiKeys.publicIdOf("gw-AAAAAAAAAAAA_" + "B".repeat(32))).isEmpty();
        assertThat(ApiKeys.publicIdOf("gw-AAAAAAAAAAAA-" + "B".repeat(31))).isEmpty();
        assertThat(ApiKeys.publicIdOf("gw-AAAAAAAAAAA%-" + "B".repeat(32))).isEmpty();
        assertThat(ApiKeys.publicIdOf("gw-AAAAAAAAAAAA-" + "B".repeat(300))).isEmpty();
    }

    @Test
    void hashesAreKeyedByThePepper() {
        var a = new KeyHasher("pepper-one-0123456789abcdef".getBytes());
        var b = new KeyHasher("pepper-two-0123456789abcdef".getBytes());
        String key = ApiKeys.generate().key();
        assertThat(KeyHasher.matches(a.hash(key), a.hash(key))).isTrue();
        assertThat(KeyHasher.matches(a.hash(key), b.hash(key))).isFalse();
        assertThat(a.hash(key)).hasSize(32);
    }
}
