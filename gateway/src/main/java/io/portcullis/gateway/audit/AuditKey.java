package io.portcullis.gateway.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The secret the audit chain is keyed with: {@code gateway.audit.key} when set, else the key kept
 * in {@code gateway.audit.key-file}, generated (and printed once) on the first start. A generated
 * key in a file beside the data is a convenience for a single machine: whoever can read that
 * machine's files has it, and every replica would generate its own, so production configures one.
 * When the file can be neither read nor created the start fails, rather than chaining with a key
 * that the next start would not have. Replicas without a common disk and without a configured key
 * (a trial on Kubernetes) may keep the generated key in the database instead, which protects the
 * chain from nobody who can write the database.
 */
final class AuditKey {

    private static final Logger log = LoggerFactory.getLogger(AuditKey.class);
    private static final String DATABASE_SECRET = "audit_key";

    /** Where the key came from, logged at start. */
    enum Source { CONFIGURED, FILE, GENERATED, DATABASE }

    private final byte[] secret;
    private final Source source;

    private AuditKey(byte[] secret, Source source) {
        this.secret = secret;
        this.source = source;
    }

    byte[] secret() {
        return secret.clone();
    }

    Source source() {
        return source;
    }

    static AuditKey from(AuditProperties properties) {
        return from(properties, null);
    }

    static AuditKey from(AuditProperties properties, JdbcTemplate jdbc) {
        if (properties.key() != null) {
            return new AuditKey(properties.key().getBytes(StandardCharsets.UTF_8), Source.CONFIGURED);
        }
        if (properties.generatedKeyStore() == AuditProperties.GeneratedKeyStore.DATABASE && jdbc != null) {
            byte[] generated = new byte[48];
            new SecureRandom().nextBytes(generated);
            // First replica to get here wins; the others read its value.
            jdbc.update("insert into server_secret (name, value) values (?, ?) on conflict (name) do nothing",
                    DATABASE_SECRET, generated);
            log.warn("No gateway.audit.key (GATEWAY_AUDIT_KEY) configured: the audit chain is keyed with a key kept in"
                    + " the database, which protects it from nobody who can write the database. Fine for a trial;"
                    + " set GATEWAY_AUDIT_KEY in production");
            return new AuditKey(jdbc.queryForObject("select value from server_secret where name = ?", byte[].class,
                    DATABASE_SECRET), Source.DATABASE);
        }
        Path file = properties.keyFile().toAbsolutePath().normalize();
        try {
            if (Files.exists(file)) {
                return new AuditKey(read(file), Source.FILE);
            }
            byte[] random = new byte[48];
            new SecureRandom().nextBytes(random);
            String text = Base64.getEncoder().encodeToString(random);
            Files.createDirectories(file.getParent());
            try {
                Files.writeString(file, text + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException raced) {
                return new AuditKey(read(file), Source.FILE); // another process on this machine won
            }
            ownerOnly(file);
            // Printed once, on purpose: to be copied into the secret store as GATEWAY_AUDIT_KEY.
            log.warn("""

                    ************************************************************************
                    No GATEWAY_AUDIT_KEY was set: generated the audit chain's key and kept it in
                    {}
                    (shown only now):

                        {}

                    Back it up with the database. In production, set GATEWAY_AUDIT_KEY (the same
                    on every replica) instead: a key beside the data protects less.
                    ************************************************************************""", file, text);
            return new AuditKey(text.getBytes(StandardCharsets.UTF_8), Source.GENERATED);
        } catch (IOException | SecurityException e) {
            throw new IllegalStateException("gateway.audit.key (GATEWAY_AUDIT_KEY) is not set and the generated key "
                    + "cannot be kept in gateway.audit.key-file (" + file + "): " + e.getMessage()
                    + ". Set gateway.audit.key to a secret of at least " + AuditProperties.MIN_KEY_BYTES + " bytes", e);
        }
    }

    private static byte[] read(Path file) throws IOException {
        byte[] key = Files.readString(file, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
        if (key.length < AuditProperties.MIN_KEY_BYTES) {
            throw new IOException("it holds fewer than " + AuditProperties.MIN_KEY_BYTES + " bytes");
        }
        return key;
    }

    private static void ownerOnly(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException e) {
            log.warn("Could not make {} readable by its owner only: {}", file, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "AuditKey[" + source + "]";
    }
}
