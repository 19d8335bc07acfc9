package io.portcullis.gateway.audit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How one audit entry is linked to the previous one. Version 1 (entries written before the
 * chain was keyed) is SHA-256 of the previous hash and the entry's canonical form; version 2 is
 * HMAC-SHA-256 of the same bytes under the audit key, so only a holder of the key can compute a
 * link. The canonical form is the same for both: every field length-prefixed, so no two different
 * entries share one.
 */
final class AuditChain {

    /** Plain SHA-256: entries written before the upgrade that introduced the key. */
    static final short UNKEYED = 1;
    /** HMAC-SHA-256 under {@code gateway.audit.key}. */
    static final short KEYED = 2;
    static final byte[] GENESIS = new byte[32];

    private final SecretKeySpec key;

    AuditChain(AuditKey key) {
        this.key = new SecretKeySpec(key.secret(), "HmacSHA256");
    }

    /** The link of an entry in the given version. */
    byte[] link(short version, byte[] prev, long seq, UUID id, Instant at, String... fields) {
        byte[] canonical = canonical(prev, seq, id, at, fields);
        return version == KEYED ? mac(canonical) : sha256(canonical);
    }

    /**
     * Authenticates the sequence number from which entries are keyed, so that nobody without the
     * key can move the cut-over past keyed entries and pass them off as unkeyed ones.
     */
    byte[] cutOverMac(long keyedFromSeq) {
        return mac(("portcullis audit chain keyed from " + keyedFromSeq).getBytes(StandardCharsets.UTF_8));
    }

    /** A short public name of the key (not a secret), to tell in the log which key a replica uses. */
    String fingerprint() {
        return java.util.HexFormat.of().formatHex(mac("portcullis audit key fingerprint".getBytes(
                StandardCharsets.UTF_8)), 0, 8);
    }

    static byte[] unkeyed(byte[] prev, long seq, UUID id, Instant at, String... fields) {
        return sha256(canonical(prev, seq, id, at, fields));
    }

    private byte[] mac(byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] canonical(byte[] prev, long seq, UUID id, Instant at, String... fields) {
        var out = new ByteArrayOutputStream(256);
        out.writeBytes(prev);
        out.writeBytes(ByteBuffer.allocate(8).putLong(seq).array());
        field(out, id.toString());
        field(out, at.toString());
        for (String field : fields) {
            field(out, field);
        }
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, String field) {
        if (field == null) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(-1).array());
            return;
        }
        byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
        out.writeBytes(bytes);
    }
}
