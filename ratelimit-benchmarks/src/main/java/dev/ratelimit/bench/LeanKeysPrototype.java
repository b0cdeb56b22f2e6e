package dev.ratelimit.bench;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import dev.ratelimit.core.KeyLayout;
import dev.ratelimit.core.KeyPart;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RequestView;

/**
 * PROTOTYPE for ratelimit-core, measured by {@link KeyBuildingBench}; not used by the engine. The same
 * keys as {@link KeyLayout#keysFor} for a policy keyed by {@code ip} alone, built in one
 * {@link StringBuilder}:
 * <ul>
 *   <li>the constant parts ({@code prefix:scope:counter:*:*:*:{ip=} and {@code }:fw:window}) are computed once
 *       per policy instead of concatenated per request;</li>
 *   <li>a plain IPv4 literal (no leading zeros) is already canonical and key-safe: it is appended as is,
 *       where core parses it to bytes (split, a stream per octet, Inet4Address) and formats it back;</li>
 *   <li>one limit gives a singleton list, no ArrayList.</li>
 * </ul>
 * Anything else (IPv6, trusted proxies, other key parts) goes the shipped way.
 */
final class LeanKeysPrototype {

    private final Policy policy;
    private final boolean applicable;
    private final String head;
    private final String[] tails;

    LeanKeysPrototype(Policy policy) {
        this.policy = policy;
        this.applicable = policy.keyParts().size() == 1 && policy.keyParts().get(0).kind() == KeyPart.Kind.IP
                && policy.trustedProxies().isEmpty();
        // The constant parts, cut out of one real key so they can never drift from core's format.
        List<String> sample = policy.keyLayout().keysFor(new BenchRequest("192.0.2.1"));
        String first = sample.get(0);
        this.head = first.substring(0, first.indexOf('{') + 1) + "ip=";
        this.tails = new String[sample.size()];
        for (int i = 0; i < tails.length; i++) {
            tails[i] = sample.get(i).substring(sample.get(i).lastIndexOf('}'));
        }
    }

    List<String> keysFor(RequestView request) {
        String address = request.remoteAddress();
        if (!applicable || !isPlainIpv4(address)) {
            return policy.keyLayout().keysFor(request);
        }
        StringBuilder key = new StringBuilder(head.length() + address.length() + tails[0].length() + 8);
        key.append(head).append(address);
        if (tails.length == 1) {
            return Collections.singletonList(key.append(tails[0]).toString());
        }
        int mark = key.length();
        String[] keys = new String[tails.length];
        for (int i = 0; i < tails.length; i++) {
            key.setLength(mark);
            keys[i] = key.append(tails[i]).toString();
        }
        return Arrays.asList(keys);
    }

    /** Four decimal octets 0..255 without leading zeros: exactly the text Inet4Address would print. */
    static boolean isPlainIpv4(String s) {
        if (s == null) {
            return false;
        }
        int n = s.length();
        int octets = 0;
        int i = 0;
        while (i < n && octets < 4) {
            int start = i;
            int value = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
                return false;
            }
            octets++;
            if (octets < 4) {
                if (i >= n || s.charAt(i) != '.') {
                    return false;
                }
                i++;
            }
        }
        return octets == 4 && i == n;
    }
}
