package dev.ratelimit.core;

/**
 * The client a request came from: an IP address, or the token a trusted proxy wrote in its place
 * ({@code unknown}, an obfuscated {@code _name}, or text that is no address). Its {@link #text()} is the
 * full address, for audit lines and address lists; its {@link #identity} is what is counted.
 */
final class ClientAddress {

    private final byte[] address;
    private final String token;

    private ClientAddress(byte[] address, String token) {
        this.address = address;
        this.token = token;
    }

    static ClientAddress of(byte[] address) {
        return new ClientAddress(address, null);
    }

    static ClientAddress token(String token) {
        return new ClientAddress(null, token.isEmpty() ? ForwardedHeader.UNKNOWN : token);
    }

    /** The address, 4 or 16 bytes, or null for a token. */
    byte[] address() {
        return address;
    }

    /** The canonical address, or the token as written. */
    String text() {
        return address == null ? token : IpAddresses.canonical(address);
    }

    /**
     * The counted identity: an IPv4 address or a token as it is; an IPv6 address as its network of
     * {@code ipv6Prefix} bits, e.g. {@code 2001:db8:1:2::/64} (at 128 the address itself), so a client
     * rotating addresses inside its network stays one client.
     */
    String identity(int ipv6Prefix) {
        if (address == null) {
            return token;
        }
        if (address.length == 4 || ipv6Prefix >= 128) {
            return IpAddresses.canonical(address);
        }
        return IpAddresses.canonical(IpAddresses.network(address, ipv6Prefix)) + '/' + ipv6Prefix;
    }

    @Override
    public String toString() {
        return text();
    }
}
