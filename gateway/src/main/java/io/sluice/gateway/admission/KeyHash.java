package io.sluice.gateway.admission;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * How keys are stored and made: {@code sha256:} and the hex SHA-256 of the key.
 *
 * <p>Why a plain SHA-256, with no salt and no slow hash: the keys are 256 random bits each (as {@link #newKey}
 * makes them), so no dictionary or brute force can find one from its hash, which is what salts and slow hashes
 * protect low-entropy passwords against. A fast hash keeps the check at a microsecond on the event loop, once per
 * request. Stateless and thread-safe.
 */
public final class KeyHash {
    public static final String PREFIX = "sha256:";
    private static final String KEY_PREFIX = "sk-sluice-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyHash() {
    }

    /** A new key: {@code sk-sluice-} and 256 random bits in URL-safe base64. */
    public static String newKey() {
        final byte[] bits = new byte[32];
        RANDOM.nextBytes(bits);
        return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }

    /** The stored form of {@code key}. */
    public static String of(String key) {
        return PREFIX + HexFormat.of().formatHex(digest(key));
    }

    /** The 32 bytes of a stored form (as the config checked it: {@code sha256:} and 64 lower-case hex digits). */
    static byte[] bytesOf(String stored) {
        return HexFormat.of().parseHex(stored, PREFIX.length(), stored.length());
    }

    static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Compares two digests in time that does not depend on where they differ. */
    static boolean same(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
