package dev.ratelimit.core;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Parses IP literals without ever asking DNS, whatever text an attacker sends. */
final class IpAddresses {

    private IpAddresses() {
    }

    /** @return the address bytes (4 or 16), or null when the text is not an IP literal */
    static byte[] parse(String text) {
        if (text == null) {
            return null;
        }
        String s = text.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.isEmpty() || s.length() > 45) {
            return null;
        }
        if (s.indexOf(':') >= 0) {
            return parseV6(s);
        }
        return parseV4(s);
    }

    private static byte[] parseV4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] parseV6(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = Character.digit(c, 16) >= 0 || c == ':' || c == '.';
            if (!ok) {
                return null;
            }
        }
        try {
            // A string with ':' is only ever read as an IPv6 literal: no name lookup happens.
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * The canonical text of an address given as text, or null when it is not an IP literal. A dotted
     * quad without leading zeros is already canonical and is returned as is, without parsing.
     */
    static String canonical(String text) {
        if (isCanonicalIpv4(text)) {
            return text;
        }
        byte[] address = parse(text);
        return address == null ? null : canonical(address);
    }

    private static boolean isCanonicalIpv4(String s) {
        int length = s.length();
        if (length < 7 || length > 15) {
            return false;
        }
        int dots = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= length; i++) {
            char c = i == length ? '.' : s.charAt(i);
            if (c == '.') {
                if (digits == 0 || value > 255 || (digits > 1 && s.charAt(i - digits) == '0')) {
                    return false;
                }
                dots++;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9' && digits < 3) {
                value = value * 10 + (c - '0');
                digits++;
            } else {
                return false;
            }
        }
        return dots == 4;
    }

    /** The canonical text of an address, so {@code ::1} and {@code 0:0:0:0:0:0:0:1} count as one client. */
    static String canonical(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
