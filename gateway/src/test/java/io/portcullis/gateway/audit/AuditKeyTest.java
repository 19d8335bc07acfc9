package io.portcullis.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditKeyTest {

    @TempDir
    Path dir;

    @Test
    void aGeneratedKeyIsKeptOwnerOnlyAndTheSameAtTheNextStart() throws Exception {
        var properties = new AuditProperties(null, dir.resolve("data/audit.key"));

        var first = AuditKey.from(properties);
        var second = AuditKey.from(properties);

        assertThat(first.source()).isEqualTo(AuditKey.Source.GENERATED);
        assertThat(second.source()).isEqualTo(AuditKey.Source.FILE);
        assertThat(second.secret()).isEqualTo(first.secret()).hasSizeGreaterThanOrEqualTo(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("data/audit.key"))))
                .isEqualTo("rw-------");
        byte[] prev = new byte[32];
        UUID id = UUID.randomUUID();
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(new AuditChain(second).link(AuditChain.KEYED, prev, 1, id, at, "a"))
                .isEqualTo(new AuditChain(first).link(AuditChain.KEYED, prev, 1, id, at, "a"))
                .isNotEqualTo(AuditChain.unkeyed(prev, 1, id, at, "a"));
    }

    @Test
    void refusesToStartWhenTheGeneratedKeyCannotBeKept() throws Exception {
        // a path under a plain file cannot be created, even by root (tests may run as root, read-only would not do)
        Path notADirectory = Files.writeString(dir.resolve("not-a-directory"), "x");

        assertThatThrownBy(() -> AuditKey.from(new AuditProperties(null, notADirectory.resolve("audit.key"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("gateway.audit.key (GATEWAY_AUDIT_KEY)");
    }

    @Test
    void refusesAConfiguredKeyShorterThan32Bytes() {
        assertThatThrownBy(() -> new AuditProperties("only-31-bytes-of-audit-key-xyz!", dir))
                .hasMessageContaining("gateway.audit.key (GATEWAY_AUDIT_KEY) must be at least 32 bytes");
        assertThat(AuditKey.from(new AuditProperties("x".repeat(32), dir)).source())
                .isEqualTo(AuditKey.Source.CONFIGURED);
    }

    @Test
    void differentKeysGiveDifferentLinks() {
        byte[] prev = new byte[32];
        UUID id = UUID.randomUUID();
        Instant at = Instant.now();
        var one = new AuditChain(AuditKey.from(new AuditProperties("a".repeat(32), dir)));
        var other = new AuditChain(AuditKey.from(new AuditProperties("b".repeat(32), dir)));
        assertThat(one.link(AuditChain.KEYED, prev, 7, id, at, "x")).isNotEqualTo(other.link(AuditChain.KEYED, prev, 7,
                id, at, "x"));
        assertThat(one.cutOverMac(7)).isNotEqualTo(other.cutOverMac(7)).isNotEqualTo(one.cutOverMac(8));
    }
}
