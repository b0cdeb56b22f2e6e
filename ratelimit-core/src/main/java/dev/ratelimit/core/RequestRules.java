package dev.ratelimit.core;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Whether a policy limits a request at all: the one place both adapters ask before counting.
 * {@code deny-addresses} answer 403 at once (whatever the path or method); {@code allow-addresses},
 * {@code exclude-paths} and requests whose method is not among {@code methods} pass untouched: not
 * counted, no headers. The client address is the limiter's own (trusted proxies believed), resolved only
 * when an address list is set.
 */
public final class RequestRules {

    /** What a policy does with a request. */
    public enum Verdict {
        /** Counted against the policy's limits. */
        LIMIT,
        /** Passed on untouched: not counted, no headers. */
        SKIP,
        /** Answered 403 {@code ACCESS_DENIED} at once. */
        DENY
    }

    public static final String METHODS_ACCEPTED = "comma-separated HTTP methods, e.g. 'POST,PUT,DELETE'";

    private static final RequestRules NONE = new RequestRules(AddressList.none(), AddressList.none(), RoutePatterns.none(),
            Collections.<String>emptySet());

    private final AddressList allow;
    private final AddressList deny;
    private final RoutePatterns excluded;
    /** Empty: every method. */
    private final Set<String> methods;

    private RequestRules(AddressList allow, AddressList deny, RoutePatterns excluded, Set<String> methods) {
        this.allow = allow;
        this.deny = deny;
        this.excluded = excluded;
        this.methods = methods;
    }

    public static RequestRules none() {
        return NONE;
    }

    public static RequestRules of(AddressList allow, AddressList deny, RoutePatterns excluded, Set<String> methods) {
        if (allow.isEmpty() && deny.isEmpty() && excluded.isEmpty() && methods.isEmpty()) {
            return NONE;
        }
        return new RequestRules(allow, deny, excluded, Collections.unmodifiableSet(new LinkedHashSet<>(methods)));
    }

    /** {@code POST, put} → [POST, PUT]; null or blank → empty (every method). */
    public static Set<String> parseMethods(String parameter, String text) {
        Set<String> methods = new LinkedHashSet<>();
        if (text == null || text.trim().isEmpty()) {
            return methods;
        }
        for (String part : text.split(",", -1)) {
            String method = part.trim();
            if (!method.matches("[A-Za-z]{1,20}")) {
                throw new ConfigurationException(parameter, text, METHODS_ACCEPTED);
            }
            methods.add(method.toUpperCase(Locale.ROOT));
        }
        return methods;
    }

    public boolean isEmpty() {
        return this == NONE;
    }

    /** The verdict on this request under the policy (whose client-address rules resolve the client). */
    Verdict check(RequestView request, Policy policy) {
        if (this == NONE) {
            return Verdict.LIMIT;
        }
        if (!deny.isEmpty() || !allow.isEmpty()) {
            ClientAddress client = policy.resolveClient(request);
            if (deny.contains(client)) {
                return Verdict.DENY;
            }
            if (allow.contains(client)) {
                return Verdict.SKIP;
            }
        }
        if (!methods.isEmpty()) {
            String method = request.method() == null ? null : request.method().toUpperCase(Locale.ROOT);
            // HttpServlet answers HEAD by running doGet: limiting GET limits HEAD too.
            if ("HEAD".equals(method) && methods.contains("GET")) {
                method = "GET";
            }
            if (method == null || !methods.contains(method)) {
                return Verdict.SKIP;
            }
        }
        return excluded.matches(request.route()) ? Verdict.SKIP : Verdict.LIMIT;
    }

    /** The verdict, with one audit line for a denial. */
    Verdict check(RequestView request, Policy policy, AuditLog audit) {
        Verdict verdict = check(request, policy);
        if (verdict == Verdict.DENY) {
            audit.write("access-denied", "policy", policy.name(), "scope", policy.scope(), "route", request.route(),
                    "method", request.method(), "address", policy.clientAddress(request), "rule", "deny-addresses");
        }
        return verdict;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        if (!allow.isEmpty()) {
            s.append(" allow-addresses=").append(allow);
        }
        if (!deny.isEmpty()) {
            s.append(" deny-addresses=").append(deny);
        }
        if (!excluded.isEmpty()) {
            s.append(" exclude-paths=").append(excluded);
        }
        if (!methods.isEmpty()) {
            s.append(" methods=").append(methods);
        }
        return s.toString().trim();
    }
}
