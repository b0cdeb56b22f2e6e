package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One policy's way from a request to its client: the only place that turns a request into the
 * {@code ip=} identity.
 *
 * <p>The connection's peer is the client, unless it is a trusted proxy. Then every line of the
 * configured header ({@code X-Forwarded-For} or RFC 7239 {@code Forwarded}) is read as one list, right
 * to left: each node a trusted proxy wrote is believed, and the first node that is not a trusted proxy
 * is the client. Reading every line matters: a proxy that adds its own line (HAProxy
 * {@code option forwardfor}) leaves the client's forged line first. A node may carry a port
 * ({@code 203.0.113.7:54321}, {@code [2001:db8::1]:443}), which is dropped. A node that is no address
 * was written by a trusted proxy (everything right of it is trusted), so it is counted as its own
 * identity; it is never lumped with the proxy. Nothing is ever looked up in DNS.
 */
final class ClientAddresses {

    private static final Logger LOG = LoggerFactory.getLogger(ClientAddresses.class);

    private final String policyName;
    private final TrustedProxies proxies;
    private final ClientAddressHeader header;
    private final int ipv6Prefix;
    private final AtomicBoolean warnedOfNonAddress = new AtomicBoolean();

    ClientAddresses(String policyName, TrustedProxies proxies, ClientAddressHeader header, int ipv6Prefix) {
        this.policyName = policyName;
        this.proxies = proxies;
        this.header = header;
        this.ipv6Prefix = ipv6Prefix;
    }

    /** The identity counted for this request (before escaping). */
    String identity(RequestView request) {
        String remote = request.remoteAddress();
        if (proxies.isEmpty() && remote != null && IpAddresses.isCanonicalIpv4(remote)) {
            return remote; // the common case, on every request: no parsing, no allocation
        }
        return resolve(request).identity(ipv6Prefix);
    }

    ClientAddress resolve(RequestView request) {
        String remote = request.remoteAddress();
        byte[] peer = IpAddresses.parse(remote);
        if (peer == null) {
            return ClientAddress.token(remote == null ? ForwardedHeader.UNKNOWN : remote);
        }
        if (proxies.isEmpty() || !proxies.contains(peer)) {
            return ClientAddress.of(peer);
        }
        List<String> nodes = new ArrayList<>();
        for (String line : request.headers(header.headerName())) {
            if (line != null) {
                header.addNodes(line, nodes);
            }
        }
        byte[] client = peer;
        for (int i = nodes.size() - 1; i >= 0; i--) {
            String node = nodes.get(i);
            byte[] hop = nodeAddress(node);
            if (hop == null) {
                if (!isUnknownOrObfuscated(node)) {
                    warnOnce(node);
                }
                return ClientAddress.token(node);
            }
            client = hop;
            if (!proxies.contains(hop)) {
                break;
            }
        }
        return ClientAddress.of(client);
    }

    /** The address of one node, its port and any quotes removed; null when it is no IP address. */
    static byte[] nodeAddress(String node) {
        String s = node.trim();
        if (s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"') {
            s = s.substring(1, s.length() - 1).trim();
        }
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || (close + 1 < s.length() && !isPort(s, close + 1))) {
                return null;
            }
            return IpAddresses.parse(s.substring(1, close));
        }
        int colon = s.indexOf(':');
        if (colon >= 0 && colon == s.lastIndexOf(':')) {
            // One colon: an IPv4 address and its port (an IPv6 address has at least two).
            byte[] address = isPort(s, colon) ? IpAddresses.parse(s.substring(0, colon)) : null;
            return address != null && address.length == 4 ? address : null;
        }
        return IpAddresses.parse(s);
    }

    /** {@code :443} (up to 65535) or an RFC 7239 obfuscated port {@code :_abc}, from index {@code at}. */
    private static boolean isPort(String s, int at) {
        if (s.charAt(at) != ':' || at + 1 >= s.length()) {
            return false;
        }
        int start = at + 1;
        if (s.charAt(start) == '_') {
            // An obfuscated port (RFC 7239): '_' and at least one of ALPHA / DIGIT / "." / "_" / "-".
            return s.length() > start + 1 && allMatch(s, start + 1, true);
        }
        return s.length() - start <= 5 && allMatch(s, start, false) && Integer.parseInt(s.substring(start)) <= 65535;
    }

    /** Runs on every forwarded hop with a port: a character loop, not a regular expression per request. */
    private static boolean allMatch(String s, int from, boolean obfuscated) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean digit = c >= '0' && c <= '9';
            boolean ok = obfuscated
                    ? digit || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' || c == '_' || c == '-'
                    : digit;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** RFC 7239's {@code unknown} and {@code _obfuscated} nodes: a proxy's deliberate choice, not a fault. */
    private static boolean isUnknownOrObfuscated(String node) {
        String s = node.trim();
        return s.isEmpty() || s.charAt(0) == '_' || ForwardedHeader.UNKNOWN.equalsIgnoreCase(s);
    }

    private void warnOnce(String node) {
        if (warnedOfNonAddress.compareAndSet(false, true)) {
            LOG.warn("Rate-limit policy '{}': a trusted proxy named the client '{}' in {}, which is no IP address;"
                            + " such clients are counted by that text (warned once per policy): check what the"
                            + " proxies in trusted-proxies write",
                    policyName, LogValues.escape(node), header);
        }
    }

    @Override
    public String toString() {
        return "client-address-header=" + header + " ipv6-prefix=" + ipv6Prefix;
    }
}
