package dev.ratelimit.core.webhook;

import java.util.Base64;
import java.util.Locale;

import dev.ratelimit.core.ConfigurationException;

/** How a signature's bytes are written in its header. */
public enum SignatureEncoding {

    HEX,
    BASE64;

    public static final String ACCEPTED = "'hex' or 'base64'";

    public static SignatureEncoding parse(String parameter, String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(parameter, value, ACCEPTED);
        }
    }

    /** The signature's bytes, or null when the text is not in this encoding. */
    public byte[] decode(String text) {
        return this == HEX ? decodeHex(text) : decodeBase64(text);
    }

    static byte[] decodeHex(String text) {
        if (text.isEmpty() || text.length() % 2 != 0) {
            return null;
        }
        byte[] bytes = new byte[text.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            int high = Character.digit(text.charAt(2 * i), 16);
            int low = Character.digit(text.charAt(2 * i + 1), 16);
            if (high < 0 || low < 0) {
                return null;
            }
            bytes[i] = (byte) (high << 4 | low);
        }
        return bytes;
    }

    private static byte[] decodeBase64(String text) {
        try {
            byte[] bytes = Base64.getDecoder().decode(text);
            return bytes.length == 0 ? null : bytes;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            out.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
