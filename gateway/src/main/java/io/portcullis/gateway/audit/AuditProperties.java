package io.portcullis.gateway.audit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.audit.*}: the secret that keys the audit chain.
 *
 * @param key     HMAC key of the audit chain ({@code GATEWAY_AUDIT_KEY}, at least 32 bytes), kept
 *                outside the database so that whoever can write the database cannot recompute the
 *                chain. The same on every replica. Required in production
 * @param keyFile where a generated key is kept when {@code key} is unset: read if it exists, else
 *                generated, written (owner-only) and printed once. Beside the embedded database by
 *                default, so a laptop install keeps its key across restarts
 * @param generatedKeyStore {@code file} (default: {@code keyFile}) or {@code database}: a generated
 *                key kept in the database, shared by replicas that have no common disk (the Helm
 *                chart's trial mode), and then no protection against whoever can write the database
 */
@ConfigurationProperties(AuditProperties.PREFIX)
public record AuditProperties(String key, @DefaultValue("./data/audit.key") Path keyFile,
                              @DefaultValue("file") GeneratedKeyStore generatedKeyStore) {

    /** Where a generated key is kept. */
    public enum GeneratedKeyStore { FILE, DATABASE }

    /** A key configured or kept in a file (the usual case). */
    public AuditProperties(String key, Path keyFile) {
        this(key, keyFile, GeneratedKeyStore.FILE);
    }

    static final String PREFIX = "gateway.audit";
    static final int MIN_KEY_BYTES = 32;

    /** Binding uses the canonical constructor; the shorter one is for code. */
    @ConstructorBinding
    public AuditProperties {
        if (key != null && !key.isBlank() && key.getBytes(StandardCharsets.UTF_8).length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("gateway.audit.key (GATEWAY_AUDIT_KEY) must be at least "
                    + MIN_KEY_BYTES + " bytes; generate one with: openssl rand -base64 48");
        }
        if (key != null && key.isBlank()) {
            key = null;
        }
    }

    @Override
    public String toString() {
        return "AuditProperties[key=" + (key == null ? "unset" : "***") + ", keyFile=" + keyFile + "]";
    }
}
