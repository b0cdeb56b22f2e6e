package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The proxies whose {@code X-Forwarded-For} or {@code Forwarded} is believed (see {@link ClientAddresses}
 * for how the chain is read). IPv4-mapped blocks such as {@code ::ffff:10.0.0.0/104} are the IPv4 block.
 */
public final class TrustedProxies {

    public static final String ACCEPTED = "comma-separated IP addresses or CIDR blocks, e.g. '10.0.0.0/8, 192.168.1.5, ::1/128'";

    private static final TrustedProxies NONE = new TrustedProxies(Collections.emptyList());

    private final List<Cidr> blocks;

    private TrustedProxies(List<Cidr> blocks) {
        this.blocks = blocks;
    }

    public static TrustedProxies none() {
        return NONE;
    }

    public static TrustedProxies parse(String parameter, String text) {
        if (text == null || text.trim().isEmpty()) {
            return NONE;
        }
        List<Cidr> blocks = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            Cidr cidr = Cidr.parse(part.trim());
            if (cidr == null) {
                throw new ConfigurationException(parameter, text, ACCEPTED);
            }
            blocks.add(cidr);
        }
        return new TrustedProxies(Collections.unmodifiableList(blocks));
    }

    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /** Whether the address (4 or 16 bytes, as {@link IpAddresses#parse} gives it) is one of the proxies. */
    boolean contains(byte[] address) {
        for (Cidr block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return blocks.isEmpty() ? "none" : blocks.toString();
    }

    private static final class Cidr {
        private final byte[] network;
        private final int prefix;
        private final String text;

        private Cidr(byte[] network, int prefix, String text) {
            this.network = network;
            this.prefix = prefix;
            this.text = text;
        }

        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            String literal = slash < 0 ? text : text.substring(0, slash);
            byte[] address = IpAddresses.parse(literal);
            if (address == null) {
                return null;
            }
            // An IPv4-mapped literal is read as IPv4; its prefix counts the 96 bits of the mapping too.
            int mappingBits = address.length == 4 && literal.indexOf(':') >= 0 ? 96 : 0;
            int max = address.length * 8 + mappingBits;
            int prefix = max;
            if (slash >= 0) {
                String bits = text.substring(slash + 1);
                if (!bits.matches("[0-9]{1,3}")) {
                    return null;
                }
                prefix = Integer.parseInt(bits);
                if (prefix > max || prefix < mappingBits) {
                    return null;
                }
            }
            return new Cidr(address, prefix - mappingBits, text);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (network[full] & mask);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
