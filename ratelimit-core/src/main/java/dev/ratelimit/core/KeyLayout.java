package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where one policy's counters live: the only place that knows the Redis key format, built once with
 * the policy. A counter's key is
 * {@code prefix:scope:counter:tenant:route:method:{identity}:algorithm:window}, with
 * <ul>
 * <li>{@code counter} the policy's {@code counter}, else its name: each policy counts apart unless
 *     policies share a {@code counter};
 * <li>{@code *} for a part not in the policy's {@code key} (or without a value in the request);
 * <li>the identity (client address, user, header values) in braces, the Redis Cluster hash tag, so all
 *     limits of one identity share a slot; {@code all} when the key has no identity part.
 * </ul>
 * Every name and request value is escaped and bounded by {@link KeyComponent}, so no header can shape
 * a key.
 */
public final class KeyLayout {

    static final String ABSENT = "*";

    private final String head;
    /** {@link #head} and what follows it in a key counted by client address alone, up to the address. */
    private final String addressHead;
    private final String rememberHead;
    private final List<String> tails;
    private final List<KeyPart> parts;
    private final boolean addressOnly;
    private final ClientAddresses clientAddresses;
    private final RoutePatterns routePatterns;
    private final String tenantHeader;
    private final int ipv6Prefix;

    KeyLayout(String keyPrefix, String scope, String policyName, String counter, Algorithm algorithm, List<Limit> limits,
              List<KeyPart> parts, ClientAddresses clientAddresses, RoutePatterns routePatterns, String tenantHeader,
              int ipv6Prefix) {
        this.head = keyPrefix + ':' + scope + ':' + KeyComponent.escape(counter) + ':';
        this.addressHead = head + "*:*:*:{ip=";
        this.rememberHead = keyPrefix + ':' + scope + ":policy=" + KeyComponent.escape(policyName) + ':';
        List<String> built = new ArrayList<>(limits.size());
        for (Limit limit : limits) {
            built.add(":" + algorithm.keyTag() + ":" + limit.windowMillis());
        }
        this.tails = Collections.unmodifiableList(built);
        this.parts = parts;
        this.addressOnly = parts.size() == 1 && parts.get(0).kind() == KeyPart.Kind.IP;
        this.clientAddresses = clientAddresses;
        this.routePatterns = routePatterns;
        this.tenantHeader = tenantHeader;
        this.ipv6Prefix = ipv6Prefix;
    }

    /** One key per limit of the policy, in the policy's order. */
    public List<String> keysFor(RequestView request) {
        if (addressOnly) {
            // The default key, on every request: each key in one builder of its exact size, no intermediate string.
            String address = KeyComponent.escape(clientAddresses.identity(request));
            if (tails.size() == 1) {
                return Collections.singletonList(addressKey(address, tails.get(0)));
            }
            List<String> keys = new ArrayList<>(tails.size());
            for (String tail : tails) {
                keys.add(addressKey(address, tail));
            }
            return keys;
        }
        String base = baseKey(request);
        if (tails.size() == 1) {
            return Collections.singletonList(base + tails.get(0));
        }
        List<String> keys = new ArrayList<>(tails.size());
        for (String tail : tails) {
            keys.add(base + tail);
        }
        return keys;
    }

    /** {@code head*:*:*:{ip=<address>}<tail>}, the address escaped already. */
    private String addressKey(String address, String tail) {
        return new StringBuilder(addressHead.length() + address.length() + 1 + tail.length())
                .append(addressHead).append(address).append('}').append(tail).toString();
    }

    private String baseKey(RequestView request) {
        String tenant = ABSENT;
        String route = ABSENT;
        String method = ABSENT;
        Set<String> identity = new LinkedHashSet<>();
        for (KeyPart part : parts) {
            switch (part.kind()) {
                case TENANT:
                    tenant = orAbsent(tenant(request));
                    break;
                case ROUTE:
                    route = orAbsent(routePatterns.routeOf(request.route()));
                    break;
                case METHOD:
                    method = orAbsent(request.method() == null ? null : request.method().toUpperCase(Locale.ROOT));
                    break;
                case IP:
                    identity.add(identityPart("ip", clientAddresses.identity(request)));
                    break;
                case USER:
                    identity.add(identityPartOrAddress("user", request.user(), request));
                    break;
                case HEADER:
                    identity.add(identityPartOrAddress("h." + part.headerName().toLowerCase(Locale.ROOT),
                            request.header(part.headerName()), request));
                    break;
                default:
                    throw new IllegalStateException(part.toString());
            }
        }
        String tag = identity.isEmpty() ? "all" : String.join("+", identity);
        return head + tenant + ':' + route + ':' + method + ":{" + tag + '}';
    }

    /**
     * A key for a store to remember one value under this policy, e.g. a webhook signature already seen:
     * {@code prefix:scope:policy=<name>:{kind=value}}, the policy's own whatever its {@code counter}.
     * Nothing of the request but the value is in it, so the spellings of one route ({@code /hooks/x},
     * {@code /hooks/x/}) share it. The value is its own hash tag.
     */
    public String rememberKey(String kind, String value) {
        return rememberHead + '{' + KeyComponent.escape(kind) + '=' + KeyComponent.escape(value) + '}';
    }

    /**
     * The keys of one identity under this layout, whatever their tenant, route or method.
     *
     * @param identity as it appears in keys: {@code ip=203.0.113.7}, {@code user=alice}, {@code h.x-api-key=k1};
     *        an IPv6 address stands for its network of {@code ipv6-prefix} bits, as it is counted
     * @throws IllegalArgumentException when the identity has no {@code label=} in front
     */
    public IdentityKeys keysOf(String identity) {
        String part = canonicalPart(identity, false);
        Pattern exact = Pattern.compile(Pattern.quote(head) + "[^{]*\\{(?:[^}]*\\+)?" + Pattern.quote(part)
                + "(?:\\+[^}]*)?\\}.*");
        return new IdentityKeys(head + '*' + part + '*', exact);
    }

    /**
     * The identity as this layout writes it inside a key's braces, for an operator's override of it: an IPv6
     * address becomes its network of {@code ipv6-prefix} bits, the value is escaped as in keys.
     *
     * @param identity {@code ip=203.0.113.7}, {@code user=alice}, {@code h.x-api-key=k1}
     * @throws IllegalArgumentException when it is not {@code label=value}, when {@code ip=} holds no address,
     *         or when no request of this layout can have that label (e.g. {@code user=} under {@code key=ip})
     */
    public String identityOf(String identity) {
        String part = canonicalPart(identity, true);
        String label = part.substring(0, part.indexOf('='));
        Set<String> labels = identityLabels();
        if (!labels.contains(label)) {
            throw new IllegalArgumentException("identity '" + LogValues.escape(identity) + "' never matches this policy:"
                    + (labels.isEmpty() ? " its key has no identity part (ip, user or header:NAME)"
                    : " its key counts by " + labels));
        }
        return part;
    }

    /** The request's client address as an identity ({@code ip=203.0.113.7}), whatever the policy's key. */
    public String addressIdentityOf(RequestView request) {
        return identityPart("ip", clientAddresses.identity(request));
    }

    /**
     * The identity parts of the request's key ({@code ip=203.0.113.7}, {@code user=alice}, ... as between the
     * braces, escaped), in the order of the policy's {@code key}; empty when the key has no identity part.
     */
    public List<String> identityOf(RequestView request) {
        if (addressOnly) {
            return Collections.singletonList(identityPart("ip", clientAddresses.identity(request)));
        }
        List<String> identity = new ArrayList<>(2);
        for (KeyPart part : parts) {
            String value;
            switch (part.kind()) {
                case IP:
                    value = identityPart("ip", clientAddresses.identity(request));
                    break;
                case USER:
                    value = identityPartOrAddress("user", request.user(), request);
                    break;
                case HEADER:
                    value = identityPartOrAddress("h." + part.headerName().toLowerCase(Locale.ROOT),
                            request.header(part.headerName()), request);
                    break;
                default:
                    continue;
            }
            if (!identity.contains(value)) {
                identity.add(value);
            }
        }
        return identity;
    }

    /** The labels an identity of this layout can have: {@code ip} (also the fallback of user and headers), {@code user}, {@code h.<header>}. */
    private Set<String> identityLabels() {
        Set<String> labels = new LinkedHashSet<>();
        for (KeyPart part : parts) {
            if (part.kind() == KeyPart.Kind.USER) {
                labels.add("user");
            } else if (part.kind() == KeyPart.Kind.HEADER) {
                labels.add("h." + part.headerName().toLowerCase(Locale.ROOT));
            }
            if (part.kind() == KeyPart.Kind.IP || part.kind() == KeyPart.Kind.USER || part.kind() == KeyPart.Kind.HEADER) {
                labels.add("ip");
            }
        }
        return labels;
    }

    /** {@code label=escaped value}, an address in the form it is counted; with {@code strict}, {@code ip=} must hold an address. */
    private String canonicalPart(String identity, boolean strict) {
        int eq = identity == null ? -1 : identity.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("identity must look like ip=203.0.113.7, user=alice or h.x-api-key=k1, was "
                    + LogValues.escape(identity));
        }
        // Header names are case-insensitive; keys hold them in lower case.
        String label = strict ? identity.substring(0, eq).toLowerCase(Locale.ROOT) : identity.substring(0, eq);
        String value = identity.substring(eq + 1);
        byte[] address = label.equals("ip") ? IpAddresses.parse(value) : null;
        if (address != null) {
            value = ClientAddress.of(address).identity(ipv6Prefix);
        } else if (strict && (label.equals("ip") || value.isEmpty())) {
            throw new IllegalArgumentException("identity '" + LogValues.escape(identity) + "' has "
                    + (value.isEmpty() ? "no value" : "no IP address after ip="));
        }
        return identityPart(label, value);
    }

    /**
     * The identity a key of a layout counts: its hash tag's text as it stands in the key (escaped, so at
     * most a few dozen characters per part), e.g. {@code ip=203.0.113.7} or {@code user=alice+ip=203.0.113.7};
     * {@code all} for a key without identity parts.
     */
    public static String identityIn(String key) {
        int open = key.lastIndexOf('{');
        int close = key.lastIndexOf('}');
        return open >= 0 && close > open ? key.substring(open + 1, close) : ABSENT;
    }

    /**
     * From an identity as {@link #identityIn} finds it, one that {@link #keysOf} (and so {@code resetIdentity})
     * accepts: its first part with the value unescaped, e.g. {@code user=alice} of {@code user=alice+ip=203.0.113.7}.
     * Null when there is none: {@code all}, or a value so long that the key holds only its hash.
     */
    public static String resettable(String identity) {
        String first = identity.split("\\+", 2)[0];
        int eq = first.indexOf('=');
        if (eq <= 0) {
            return null;
        }
        String value = KeyComponent.unescape(first.substring(eq + 1));
        return value == null ? null : first.substring(0, eq + 1) + value;
    }

    /**
     * An identity as {@link #identityIn} finds it, for people: each part's value unescaped and then escaped
     * for a log line ({@link LogValues}: printable ASCII, at most 256 characters), parts joined by {@code " + "},
     * e.g. {@code ip=2001:db8:1:2::/64} or {@code user=al%20ice + ip=203.0.113.7}; a hashed value stays a hash.
     */
    public static String readable(String identity) {
        StringBuilder out = new StringBuilder();
        for (String part : identity.split("\\+")) {
            int eq = part.indexOf('=');
            String value = eq <= 0 ? null : KeyComponent.unescape(part.substring(eq + 1));
            out.append(out.length() == 0 ? "" : " + ")
                    .append(value == null ? part : part.substring(0, eq + 1) + LogValues.escape(value));
        }
        return out.toString();
    }

    /**
     * One signature per limit; two layouts that share a signature count some request in the same key.
     * A signature is the key of a request without tenant, user or any key header (a user or header part
     * counts such a request by its address), with placeholders for its route and method (always present):
     * so the order of key parts, and whether {@code ip} stands beside {@code user} or a header, make no
     * difference.
     */
    public List<String> collisionSignatures() {
        boolean route = false;
        boolean method = false;
        boolean identity = false;
        for (KeyPart part : parts) {
            route |= part.kind() == KeyPart.Kind.ROUTE;
            method |= part.kind() == KeyPart.Kind.METHOD;
            identity |= part.kind() == KeyPart.Kind.IP || part.kind() == KeyPart.Kind.USER
                    || part.kind() == KeyPart.Kind.HEADER;
        }
        String base = head + ABSENT + ':' + (route ? "<route>" : ABSENT) + ':' + (method ? "<method>" : ABSENT)
                + (identity ? ":{ip=<address>}" : ":{all}");
        List<String> signatures = new ArrayList<>(tails.size());
        for (String tail : tails) {
            signatures.add(base + tail);
        }
        return signatures;
    }

    private String tenant(RequestView request) {
        Object attribute = request.attribute(Policy.TENANT_ATTRIBUTE);
        if (attribute != null) {
            return attribute.toString();
        }
        return tenantHeader == null ? null : request.header(tenantHeader);
    }

    private static String orAbsent(String value) {
        return value == null || value.isEmpty() ? ABSENT : KeyComponent.escape(value);
    }

    /** A request without the value (anonymous, header missing) is counted by its client address instead. */
    private String identityPartOrAddress(String label, String value, RequestView request) {
        if (value == null || value.isEmpty()) {
            return identityPart("ip", clientAddresses.identity(request));
        }
        return identityPart(label, value);
    }

    private static String identityPart(String label, String value) {
        return label + '=' + KeyComponent.escape(value);
    }

    /** The keys of one identity: a glob for a store's scan, and the exact test each key found must pass. */
    public static final class IdentityKeys {
        private final String scanPattern;
        private final Pattern exact;

        private IdentityKeys(String scanPattern, Pattern exact) {
            this.scanPattern = scanPattern;
            this.exact = exact;
        }

        /** A Redis glob that finds at least every key of the identity. */
        public String scanPattern() {
            return scanPattern;
        }

        /** Whether a key the scan found is the identity's (the glob also finds e.g. {@code user=alice2}). */
        public boolean matches(String key) {
            return exact.matcher(key).matches();
        }
    }
}
