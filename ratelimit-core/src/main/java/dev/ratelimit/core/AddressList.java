package dev.ratelimit.core;

/**
 * Client addresses and CIDR blocks, IPv4 and IPv6, for {@code allow-addresses} and {@code deny-addresses};
 * written and parsed as {@code trusted-proxies} is (the same parser: no DNS, IPv4-mapped blocks are IPv4).
 */
public final class AddressList {

    private static final AddressList NONE = new AddressList(TrustedProxies.none());

    private final TrustedProxies blocks;

    private AddressList(TrustedProxies blocks) {
        this.blocks = blocks;
    }

    public static AddressList none() {
        return NONE;
    }

    public static AddressList parse(String parameter, String text) {
        TrustedProxies blocks = TrustedProxies.parse(parameter, text);
        return blocks.isEmpty() ? NONE : new AddressList(blocks);
    }

    public boolean isEmpty() {
        return blocks.isEmpty();
    }

    /** Whether the client is one of the listed addresses; a client named by a token (no address) never is. */
    boolean contains(ClientAddress client) {
        byte[] address = client.address();
        return address != null && blocks.contains(address);
    }

    @Override
    public String toString() {
        return blocks.toString();
    }
}
