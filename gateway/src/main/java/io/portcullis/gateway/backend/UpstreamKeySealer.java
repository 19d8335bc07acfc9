package io.portcullis.gateway.backend;

import io.portcullis.gateway.GatewayProperties;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * Seals upstream API keys of run-time managed backends before they reach PostgreSQL: AES-GCM
 * under {@code gateway.upstream.encryption-key}, a fresh 96-bit nonce per key, and the backend
 * name as associated data, so a sealed key copied onto another backend's row does not open.
 * A database copy alone therefore never reveals an upstream key.
 */
@Component
public class UpstreamKeySealer {

    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey key;
    private final SecureRandom random = new SecureRandom();

    public UpstreamKeySealer(GatewayProperties properties) {
        String encoded = properties.upstream().encryptionKey();
        if (encoded == null || encoded.isBlank()) {
            this.key = null;
            return;
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(encoded.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("gateway.upstream.encryption-key must be base64", e);
        }
        if (bytes.length != 16 && bytes.length != 24 && bytes.length != 32) {
            throw new IllegalArgumentException("gateway.upstream.encryption-key must be 16, 24 or 32 bytes (base64), "
                    + "e.g. openssl rand -base64 32");
        }
        this.key = new SecretKeySpec(bytes, "AES");
    }

    /** Whether keys can be sealed at all: without an encryption key, managed backends cannot hold one. */
    public boolean available() {
        return key != null;
    }

    public byte[] seal(String backend, String apiKey) {
        if (key == null) {
            throw new IllegalStateException("no gateway.upstream.encryption-key configured");
        }
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData(backend));
            byte[] sealed = cipher.doFinal(apiKey.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** @throws IllegalStateException when the key is wrong or the bytes were tampered with */
    public String open(String backend, byte[] sealed) {
        if (key == null) {
            throw new IllegalStateException("no gateway.upstream.encryption-key configured to open backend '"
                    + backend + "' upstream key");
        }
        if (sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
            throw new IllegalStateException("sealed upstream key of backend '" + backend + "' is malformed");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
            cipher.updateAAD(associatedData(backend));
            byte[] plain = cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("upstream key of backend '" + backend
                    + "' does not open with gateway.upstream.encryption-key (wrong key or tampered row)");
        }
    }

    private static byte[] associatedData(String backend) {
        return ("portcullis-backend:" + backend).getBytes(StandardCharsets.UTF_8);
    }
}
