package io.portcullis.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA-256 of API keys under the server pepper. A stolen database alone is not enough to
 * test guesses against the stored hashes; the pepper lives in configuration.
 */
public final class KeyHasher {

    private static final String ALGORITHM = "HmacSHA256";
    private final Mac prototype;

    public KeyHasher(byte[] pepper) {
        if (pepper.length < 16) {
            throw new IllegalArgumentException("the key pepper must be at least 16 bytes");
        }
        try {
            prototype = Mac.getInstance(ALGORITHM);
            prototype.init(new SecretKeySpec(pepper, ALGORITHM));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public byte[] hash(String key) {
        try {
            // Cloning an initialised Mac is far cheaper than getInstance+init, and safe across threads.
            Mac mac = (Mac) prototype.clone();
            return mac.doFinal(key.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("Mac not cloneable", e);
        }
    }

    /** Constant-time comparison: how many leading bytes matched must not show in the timing. */
    public static boolean matches(byte[] expected, byte[] actual) {
        return MessageDigest.isEqual(expected, actual);
    }
}
