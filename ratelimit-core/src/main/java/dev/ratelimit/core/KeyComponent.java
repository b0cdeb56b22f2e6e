package dev.ratelimit.core;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Makes one untrusted value safe inside a Redis key: every byte outside a small safe set is
 * percent-encoded (so {@code :}, braces, spaces and control characters can never shape the key), and a
 * result longer than {@value #MAX_LENGTH} characters is replaced by a hash of the value.
 */
final class KeyComponent {

    static final int MAX_LENGTH = 64;

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private KeyComponent() {
    }

    static String escape(String value) {
        if (value.length() <= MAX_LENGTH && isAllSafe(value)) {
            return value;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(Math.min(bytes.length, MAX_LENGTH + 3));
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (isSafe(c)) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
            if (out.length() > MAX_LENGTH) {
                return hashed(bytes);
            }
        }
        return out.toString();
    }

    /**
     * The value {@link #escape} was given, or null when the escaped text is a hash (the value is gone) or
     * not something {@code escape} writes.
     */
    static String unescape(String escaped) {
        if (escaped.startsWith("#")) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(escaped.length());
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (c == '%' && i + 2 < escaped.length() && hexValue(escaped.charAt(i + 1)) >= 0
                    && hexValue(escaped.charAt(i + 2)) >= 0) {
                bytes.write(hexValue(escaped.charAt(i + 1)) * 16 + hexValue(escaped.charAt(i + 2)));
                i += 2;
            } else if (isSafe(c)) {
                bytes.write(c);
            } else {
                return null;
            }
        }
        return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    private static boolean isAllSafe(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (!isSafe(value.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isSafe(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '-' || c == '_' || c == '/' || c == '@' || c == '~';
    }

    /** {@code #} and the first 128 bits of SHA-256 in hex; '#' never survives {@link #escape}, so no value can imitate it. */
    private static String hashed(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            StringBuilder out = new StringBuilder(33).append('#');
            for (int i = 0; i < 16; i++) {
                out.append(HEX[(digest[i] >> 4) & 0xF]).append(HEX[digest[i] & 0xF]);
            }
            return out.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
