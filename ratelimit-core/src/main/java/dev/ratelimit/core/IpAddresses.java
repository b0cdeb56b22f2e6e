package dev.ratelimit.core;

/**
 * Parses and writes IP literals by hand, so no text from a request can ever reach a name lookup (the
 * JDK's {@code InetAddress.getByName} asks DNS for anything that does not look like a literal to it).
 * IPv4-mapped IPv6 addresses ({@code ::ffff:203.0.113.7}) are read as the IPv4 address they carry.
 */
final class IpAddresses {

    /** The longest IPv6 text: eight groups, or six and an embedded IPv4 address. */
    private static final int MAX_V6_LENGTH = 45;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private IpAddresses() {
    }

    /** @return the address bytes (4 or 16), or null when the text is not an IP literal */
    static byte[] parse(String text) {
        if (text == null) {
            return null;
        }
        String s = text.trim();
        if (s.length() >= 2 && s.charAt(0) == '[' && s.charAt(s.length() - 1) == ']') {
            s = s.substring(1, s.length() - 1);
        }
        byte[] address = s.indexOf(':') >= 0 ? parseV6(s) : parseV4(s);
        return address == null ? null : unmapped(address);
    }

    /** Four decimal numbers 0..255 of one to three ASCII digits, separated by dots. */
    private static byte[] parseV4(String s) {
        int length = s.length();
        if (length < 7 || length > 15) {
            return null;
        }
        byte[] out = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= length; i++) {
            char c = i == length ? '.' : s.charAt(i);
            if (c == '.') {
                if (digits == 0 || value > 255 || part == 4) {
                    return null;
                }
                out[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9' && digits < 3) {
                value = value * 10 + (c - '0');
                digits++;
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    /**
     * The text forms of RFC 4291 section 2.2: eight groups of one to four hex digits, at most one
     * {@code ::} standing for one or more zero groups, and optionally an IPv4 address as the last 32
     * bits. Zone ids ({@code fe80::1%eth0}) are not addresses of a remote client and are refused.
     */
    private static byte[] parseV6(String s) {
        int length = s.length();
        if (length < 2 || length > MAX_V6_LENGTH) {
            return null;
        }
        byte[] out = new byte[16];
        int groups = 0;
        int gap = -1; // the group index where '::' stands
        int i = 0;
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
        } else if (s.charAt(0) == ':') {
            return null;
        }
        while (i < length) {
            int start = i;
            int value = 0;
            while (i < length && i - start <= 4) {
                int digit = hexDigit(s.charAt(i));
                if (digit < 0) {
                    break;
                }
                value = value * 16 + digit;
                i++;
            }
            if (i < length && s.charAt(i) == '.') {
                byte[] v4 = groups <= 6 ? parseV4(s.substring(start)) : null;
                if (v4 == null) {
                    return null;
                }
                System.arraycopy(v4, 0, out, groups * 2, 4);
                groups += 2;
                break;
            }
            int digits = i - start;
            if (digits == 0 || digits > 4 || groups == 8) {
                return null;
            }
            out[groups * 2] = (byte) (value >> 8);
            out[groups * 2 + 1] = (byte) value;
            groups++;
            if (i == length) {
                break;
            }
            if (s.charAt(i) != ':' || ++i == length) {
                return null; // a character that has no place here, or a trailing single ':'
            }
            if (s.charAt(i) == ':') {
                if (gap >= 0) {
                    return null;
                }
                gap = groups;
                i++;
            }
        }
        if (gap < 0) {
            return groups == 8 ? out : null;
        }
        if (groups == 8) {
            return null; // '::' must stand for at least one group
        }
        int tail = (groups - gap) * 2;
        System.arraycopy(out, gap * 2, out, 16 - tail, tail);
        for (int b = gap * 2; b < 16 - tail; b++) {
            out[b] = 0;
        }
        return out;
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** {@code ::ffff:a.b.c.d} is the IPv4 client a.b.c.d reaching a dual-stack socket. */
    private static byte[] unmapped(byte[] address) {
        if (address.length != 16 || (address[10] & 0xFF) != 0xFF || (address[11] & 0xFF) != 0xFF) {
            return address;
        }
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return address;
            }
        }
        byte[] v4 = new byte[4];
        System.arraycopy(address, 12, v4, 0, 4);
        return v4;
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

    static boolean isCanonicalIpv4(String s) {
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

    /**
     * The canonical text of an address (RFC 5952 for IPv6: lower case, no leading zeros, the longest run
     * of two or more zero groups as {@code ::}), so {@code ::1} and {@code 0:0:0:0:0:0:0:1} count as one client.
     */
    static String canonical(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xFF) + "." + (address[1] & 0xFF) + "." + (address[2] & 0xFF) + "." + (address[3] & 0xFF);
        }
        if (address.length != 16) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + address.length);
        }
        int[] group = new int[8];
        for (int g = 0; g < 8; g++) {
            group[g] = ((address[2 * g] & 0xFF) << 8) | (address[2 * g + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened
        for (int g = 0; g < 8; g++) {
            int run = 0;
            while (g + run < 8 && group[g + run] == 0) {
                run++;
            }
            if (run > bestLength) {
                bestStart = g;
                bestLength = run;
            }
            g += run;
        }
        StringBuilder out = new StringBuilder(39);
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                out.append("::");
                g += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            appendHex(out, group[g]);
        }
        return out.toString();
    }

    private static void appendHex(StringBuilder out, int value) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int digit = (value >> shift) & 0xF;
            if (digit != 0 || started || shift == 0) {
                out.append(HEX[digit]);
                started = true;
            }
        }
    }

    /** The address with every bit after the first {@code prefix} cleared. */
    static byte[] network(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int bit = prefix; bit < out.length * 8; bit++) {
            out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return out;
    }
}
