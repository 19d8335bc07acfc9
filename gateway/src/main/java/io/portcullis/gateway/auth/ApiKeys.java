package io.portcullis.gateway.auth;

import java.security.SecureRandom;
import java.util.Optional;

/**
 * The shape of gateway API keys: {@code gw-<public id>-<secret>}.
 *
 * <p>The public id (12 base62 characters) finds the row; the secret (32 base62 characters,
 * about 190 bits from {@link SecureRandom}) proves possession. Only an HMAC of the whole key is
 * stored. Base62 keeps keys free of {@code -} and {@code _} inside each part, so parsing is
 * unambiguous and keys survive copy-paste and URL encoding.
 */
public final class ApiKeys {

    /** Every key starts with this; secret scanners can match on it. */
    public static final String SCHEME = "gw-";
    static final int PUBLIC_ID_LENGTH = 12;
    static final int SECRET_LENGTH = 32;
    private static final char[] ALPHABET =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    /** A freshly generated key; its {@link #secret()} must be shown once and then forgotten. */
    public record Generated(String publicId, String secret) {
        public String key() {
            return SCHEME + publicId + "-" + secret;
        }

        public String prefix() {
            return ApiKeys.prefix(publicId);
        }

        @Override
        public String toString() {
            return "Generated[publicId=" + publicId + "]";
        }
    }

    public static Generated generate() {
        return new Generated(random(PUBLIC_ID_LENGTH), random(SECRET_LENGTH));
    }

    /** The display form shown in lists: enough to recognise a key, useless to call with. */
    public static String prefix(String publicId) {
        return SCHEME + publicId;
    }

    /**
     * Extracts the public id from a presented key.
     *
     * @return empty when the text is not shaped like a gateway key
     */
    public static Optional<String> publicIdOf(String presented) {
        if (presented == null
                || presented.length() < SCHEME.length() + PUBLIC_ID_LENGTH + 1 + SECRET_LENGTH
                || presented.length() > 256
                || !presented.startsWith(SCHEME)
                || presented.charAt(SCHEME.length() + PUBLIC_ID_LENGTH) != '-') {
            return Optional.empty();
        }
        for (int i = SCHEME.length(); i < presented.length(); i++) {
            if (i == SCHEME.length() + PUBLIC_ID_LENGTH) {
                continue;
            }
            if (!isBase62(presented.charAt(i))) {
                return Optional.empty();
            }
        }
        return Optional.of(presented.substring(SCHEME.length(), SCHEME.length() + PUBLIC_ID_LENGTH));
    }

    private static boolean isBase62(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    static String random(int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(out);
    }
}
