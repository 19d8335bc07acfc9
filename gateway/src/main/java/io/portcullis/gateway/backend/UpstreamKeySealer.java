package io.portcullis.gateway.backend;

import java.net.URI;
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
 * name and base URL as associated data, so a sealed key copied onto another backend's row, or
 * left on a row whose URL was changed behind the admin API's back, does not open: a key is only
 * ever sent to the URL it was entered for. A database copy alone never reveals an upstream key.
 *
 * <p>The first byte is the format: {@value #BOUND_TO_URL} binds name and base URL;
 * {@value #BOUND_TO_NAME} (written before the URL was bound) binds the name only. Version-1 rows
 * still open, so an upgrade loses no key, and are sealed again as version 2 at the next start or
 * write ({@link JdbcBackendStore#resealLegacy()}).
 */
@Component
public class UpstreamKeySealer {

    /** Format of keys sealed with the backend name alone as associated data (legacy). */
    static final byte BOUND_TO_NAME = 1;
    /** Format of keys sealed with the backend name and base URL as associated data. */
    static final byte BOUND_TO_URL = 2;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey key;
    private final SecureRandom random = new SecureRandom();

    public UpstreamKeySealer(UpstreamProperties properties) {
        String encoded = properties.encryptionKey();
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

    /** Seals {@code apiKey} for {@code backend} at {@code baseUrl} (the normalised URL it is stored with). */
    public byte[] seal(String backend, URI baseUrl, String apiKey) {
        return seal(BOUND_TO_URL, associatedData(backend, baseUrl), apiKey);
    }

    /** The legacy format, kept so tests can write the rows an older gateway left behind. */
    byte[] sealBoundToNameOnly(String backend, String apiKey) {
        return seal(BOUND_TO_NAME, associatedData(backend, null), apiKey);
    }

    private byte[] seal(byte version, byte[] associatedData, String apiKey) {
        if (key == null) {
            throw new IllegalStateException("no gateway.upstream.encryption-key configured");
        }
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData);
            byte[] sealed = cipher.doFinal(apiKey.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(version).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** Whether these sealed bytes bind the backend name only, and should be sealed again. */
    public static boolean isLegacy(byte[] sealed) {
        return sealed.length > 0 && sealed[0] == BOUND_TO_NAME;
    }

    /**
     * Opens a key sealed for {@code backend} at {@code baseUrl}; a legacy (version 1) key opens
     * under the name alone.
     *
     * @throws IllegalStateException when the key is wrong, the bytes were tampered with, or the
     *                               key was sealed for another backend or another URL
     */
    public String open(String backend, URI baseUrl, byte[] sealed) {
        if (key == null) {
            throw new IllegalStateException("no gateway.upstream.encryption-key configured to open backend '"
                    + backend + "' upstream key");
        }
        if (sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8
                || (sealed[0] != BOUND_TO_NAME && sealed[0] != BOUND_TO_URL)) {
            throw new IllegalStateException("sealed upstream key of backend '" + backend + "' is malformed");
        }
        byte[] associatedData = associatedData(backend, sealed[0] == BOUND_TO_URL ? baseUrl : null);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
            cipher.updateAAD(associatedData);
            byte[] plain = cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("upstream key of backend '" + backend + "' does not open with "
                    + "gateway.upstream.encryption-key for its base URL (wrong key, tampered row, or URL changed "
                    + "outside the admin API)");
        }
    }

    /** Version 1: the name; version 2: the name, a NUL (which neither may hold) and the URL. */
    private static byte[] associatedData(String backend, URI baseUrl) {
        String bound = "portcullis-backend:" + backend + (baseUrl == null ? "" : "\0" + baseUrl);
        return bound.getBytes(StandardCharsets.UTF_8);
    }
}
