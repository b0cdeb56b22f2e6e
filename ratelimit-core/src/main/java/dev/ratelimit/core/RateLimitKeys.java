package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Builds Redis keys: {@code prefix:scope:tenant:route:method:{identity}:algorithm:window}.
 * Parts not in the policy's key are {@code *}. The identity (client address, user, header values) sits
 * in braces, the Redis Cluster hash tag, so all limits of one identity share a slot. Every request
 * value is escaped and bounded by {@link KeyComponent}, so no header can shape a key.
 */
public final class RateLimitKeys {

    static final String ABSENT = "*";

    private RateLimitKeys() {
    }

    /** One key per limit of the policy, in the policy's order. */
    public static List<String> keysFor(Policy policy, RequestView request) {
        String base = baseKey(policy, request);
        List<String> tails = policy.keyTails();
        if (tails.size() == 1) {
            return Collections.singletonList(base + tails.get(0));
        }
        List<String> keys = new ArrayList<>(tails.size());
        for (String tail : tails) {
            keys.add(base + tail);
        }
        return keys;
    }

    /** The key suffix of each limit, e.g. {@code :fw:60000}; computed once per policy. */
    static List<String> tails(Algorithm algorithm, List<Limit> limits) {
        List<String> tails = new ArrayList<>(limits.size());
        for (Limit limit : limits) {
            tails.add(":" + algorithm.keyTag() + ":" + limit.windowMillis());
        }
        return Collections.unmodifiableList(tails);
    }

    static String baseKey(Policy policy, RequestView request) {
        if (policy.keyParts().size() == 1 && policy.keyParts().get(0).kind() == KeyPart.Kind.IP) {
            // The default key, on every request: no set, no join.
            return policy.keyHead() + "*:*:*:{" + identityPart("ip", clientIdentity(policy, request)) + '}';
        }
        String tenant = ABSENT;
        String route = ABSENT;
        String method = ABSENT;
        Set<String> identity = new LinkedHashSet<>();
        for (KeyPart part : policy.keyParts()) {
            switch (part.kind()) {
                case TENANT:
                    tenant = orAbsent(tenant(policy, request));
                    break;
                case ROUTE:
                    route = orAbsent(policy.routePatterns().routeOf(request.route()));
                    break;
                case METHOD:
                    method = orAbsent(request.method() == null ? null : request.method().toUpperCase(Locale.ROOT));
                    break;
                case IP:
                    identity.add(identityPart("ip", clientIdentity(policy, request)));
                    break;
                case USER:
                    identity.add(identityPartOrAddress("user", request.user(), policy, request));
                    break;
                case HEADER:
                    identity.add(identityPartOrAddress("h." + part.headerName().toLowerCase(Locale.ROOT),
                            request.header(part.headerName()), policy, request));
                    break;
                default:
                    throw new IllegalStateException(part.toString());
            }
        }
        String tag = identity.isEmpty() ? "all" : String.join("+", identity);
        return policy.keyHead() + tenant + ':' + route + ':' + method + ":{" + tag + '}';
    }

    /**
     * A key for a store to remember one value under this policy, e.g. a webhook signature already seen:
     * {@code prefix:scope:policy=<name>:{kind=value}}. Nothing of the request but the value is in it, so
     * the spellings of one route ({@code /hooks/x}, {@code /hooks/x/}) share it. The name and value are
     * escaped and bounded like every key component; the value is its own hash tag.
     */
    public static String rememberKey(Policy policy, String kind, String value) {
        return policy.keyPrefix() + ':' + policy.scope() + ":policy=" + KeyComponent.escape(policy.name())
                + ":{" + KeyComponent.escape(kind) + '=' + KeyComponent.escape(value) + '}';
    }

    /**
     * The client's full address in canonical form (or the token a trusted proxy wrote in its place),
     * believing {@code X-Forwarded-For} / {@code Forwarded} only from trusted proxies: for audit lines and
     * address lists. A value from the request: {@link AuditLog} escapes it; a direct log call must escape it
     * with {@link LogValues#escape}.
     */
    public static String clientAddress(Policy policy, RequestView request) {
        return policy.clientAddresses().resolve(request).text();
    }

    /**
     * What the key part {@code ip} counts (unescaped): the client address, an IPv6 client as its network
     * of {@code ipv6-prefix} bits, e.g. {@code 2001:db8:1:2::/64}.
     */
    public static String clientIdentity(Policy policy, RequestView request) {
        return policy.clientAddresses().identity(request);
    }

    private static String tenant(Policy policy, RequestView request) {
        Object attribute = request.attribute(Policy.TENANT_ATTRIBUTE);
        if (attribute != null) {
            return attribute.toString();
        }
        return policy.tenantHeader() == null ? null : request.header(policy.tenantHeader());
    }

    private static String orAbsent(String value) {
        return value == null || value.isEmpty() ? ABSENT : KeyComponent.escape(value);
    }

    /** A request without the value (anonymous, header missing) is counted by its client address instead. */
    private static String identityPartOrAddress(String label, String value, Policy policy, RequestView request) {
        if (value == null || value.isEmpty()) {
            return identityPart("ip", clientIdentity(policy, request));
        }
        return identityPart(label, value);
    }

    private static String identityPart(String label, String value) {
        return label + '=' + KeyComponent.escape(value);
    }
}
