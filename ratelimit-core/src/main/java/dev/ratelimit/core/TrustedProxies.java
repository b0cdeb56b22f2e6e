package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The proxies whose {@code X-Forwarded-For} is believed. The client is the right-most address in the
 * chain that is not a trusted proxy, so a client cannot choose its identity by sending its own header.
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

    /**
     * @param remoteAddress  the connection's peer address
     * @param forwardedFor   the {@code X-Forwarded-For} header, or null
     * @return the client's address in canonical form (or the remote address as given when it is not an IP)
     */
    public String clientAddress(String remoteAddress, String forwardedFor) {
        if (forwardedFor == null || blocks.isEmpty()) {
            String canonical = remoteAddress == null ? null : IpAddresses.canonical(remoteAddress);
            return canonical != null ? canonical : remoteAddress == null ? "unknown" : remoteAddress;
        }
        byte[] peer = IpAddresses.parse(remoteAddress);
        if (peer == null) {
            return remoteAddress == null ? "unknown" : remoteAddress;
        }
        if (forwardedFor == null || !isTrusted(peer)) {
            return IpAddresses.canonical(peer);
        }
        String[] hops = forwardedFor.split(",");
        byte[] client = peer;
        for (int i = hops.length - 1; i >= 0; i--) {
            byte[] hop = IpAddresses.parse(hops[i]);
            if (hop == null) {
                break; // garbage in the chain: stop at the last address we could verify
            }
            client = hop;
            if (!isTrusted(hop)) {
                break;
            }
        }
        return IpAddresses.canonical(client);
    }

    private boolean isTrusted(byte[] address) {
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
            byte[] address = IpAddresses.parse(slash < 0 ? text : text.substring(0, slash));
            if (address == null) {
                return null;
            }
            int max = address.length * 8;
            int prefix = max;
            if (slash >= 0) {
                String bits = text.substring(slash + 1);
                if (!bits.matches("\\d{1,3}")) {
                    return null;
                }
                prefix = Integer.parseInt(bits);
                if (prefix > max) {
                    return null;
                }
            }
            return new Cidr(address, prefix, text);
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
