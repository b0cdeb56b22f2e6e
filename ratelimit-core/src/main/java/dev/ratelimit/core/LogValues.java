package dev.ratelimit.core;

import java.nio.charset.StandardCharsets;

/**
 * Makes a value from a request safe inside a log line: it can neither end the line, start a forged one,
 * nor add a {@code key=value} field. Bytes outside printable ASCII, and space, {@code "}, {@code '},
 * {@code =}, {@code \} and {@code %} itself, are percent-encoded (UTF-8), so the escaping is reversible
 * and {@code %0A} sent by a client shows as {@code %250A}, never as a line break. Values longer than
 * {@value #MAX_LENGTH} characters are cut, ending in {@code ...(+N_bytes)} (no space: the line stays
 * one token per field), so no header fills the disk.
 */
public final class LogValues {

    /** Longest escaped value written; the rest is summarised as {@code ...(+N_bytes)}. */
    public static final int MAX_LENGTH = 256;

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private LogValues() {
    }

    /** The value escaped for a log line; {@code -} for null. */
    public static String escape(Object value) {
        if (value == null) {
            return "-";
        }
        String text = value.toString();
        if (text.length() <= MAX_LENGTH && isAllSafe(text)) {
            return text;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(Math.min(bytes.length, MAX_LENGTH) + 16);
        for (int i = 0; i < bytes.length; i++) {
            int c = bytes[i] & 0xFF;
            int width = isSafe(c) ? 1 : 3;
            if (out.length() + width > MAX_LENGTH) {
                return out.append("...(+").append(bytes.length - i).append("_bytes)").toString();
            }
            if (width == 1) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }

    private static boolean isAllSafe(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (!isSafe(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isSafe(int c) {
        return c > 0x20 && c < 0x7F && c != '"' && c != '\'' && c != '=' && c != '\\' && c != '%';
    }
}
