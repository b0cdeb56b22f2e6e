package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything that decides one kind of request's limit: immutable, validated once when built. Every
 * rule's message names the parameter, the value and what is accepted.
 */
public final class Policy {

    /** Default {@code scope}. */
    public static final String DEFAULT_SCOPE = "api";
    /** Default {@code key-prefix}. */
    public static final String DEFAULT_KEY_PREFIX = "ratelimit";
    /** Default {@code algorithm}. */
    public static final Algorithm DEFAULT_ALGORITHM = Algorithm.FIXED_WINDOW;
    /** Default {@code key}: the client address. */
    public static final String DEFAULT_KEY = "ip";
    /** Default {@code client-address-header}. */
    public static final ClientAddressHeader DEFAULT_CLIENT_ADDRESS_HEADER = ClientAddressHeader.X_FORWARDED_FOR;
    /** Default {@code ipv6-prefix}: one client per /64, the smallest network a site is usually given. */
    public static final int DEFAULT_IPV6_PREFIX = 64;
    /** The smallest accepted {@code ipv6-prefix}. */
    public static final int MIN_IPV6_PREFIX = 32;
    /** The largest accepted {@code ipv6-prefix}: one client per address. */
    public static final int MAX_IPV6_PREFIX = 128;
    /** Default {@code headers}: today's {@code X-RateLimit-*}. */
    public static final HeaderFormat DEFAULT_HEADER_FORMAT = HeaderFormat.LEGACY;
    /** Default {@code error-format}: the JSON body {@code {"error":{...}}}. */
    public static final ErrorFormat DEFAULT_ERROR_FORMAT = ErrorFormat.JSON;
    /** Default {@code prefetch}: every request asks the store. */
    public static final int DEFAULT_PREFETCH = 1;
    /** The largest accepted {@code prefetch}. */
    public static final int MAX_PREFETCH = 10_000;
    /** The request attribute an application sets to name the tenant. */
    public static final String TENANT_ATTRIBUTE = "dev.ratelimit.tenant";

    /** The scope whose requests are webhook deliveries, verified before they are counted. */
    static final String WEBHOOK_SCOPE = "webhook";

    /** What {@code prefetch} accepts. */
    public static final String PREFETCH_ACCEPTED = "a whole number from 1 (every request asks the store) to "
            + MAX_PREFETCH + ", at most the smallest limit's permits divided by cost";

    static final String WORD = "[A-Za-z0-9][A-Za-z0-9._-]{0,31}";
    static final String COUNTER_NAME = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

    private final String name;
    private final String counter;
    private final String scope;
    private final List<Limit> limits;
    private final Algorithm algorithm;
    private final List<KeyPart> keyParts;
    private final FailureMode failureMode;
    private final long cost;
    private final boolean dryRun;
    private final String keyPrefix;
    private final TrustedProxies trustedProxies;
    private final ClientAddressHeader clientAddressHeader;
    private final int ipv6Prefix;
    private final ClientAddresses clientAddresses;
    private final String tenantHeader;
    private final int closedStatus;
    private final RoutePatterns routePatterns;
    private final KeyLayout keyLayout;
    private final HeaderFormat headerFormat;
    private final ErrorFormat errorFormat;
    private final RequestRules rules;
    private final Map<String, PlanSpec> planSpecs;
    private final Plans plans;
    private final int prefetch;
    private final long prefetchUnits;
    private final IetfRateLimitFields.Items ietfItems;

    private Policy(Builder b) {
        this.name = b.name;
        this.counter = b.counter;
        this.scope = b.scope;
        this.limits = b.limits;
        this.algorithm = b.algorithm;
        this.keyParts = b.keyParts;
        this.failureMode = b.failureMode != null ? b.failureMode : FailureMode.defaultFor(b.scope);
        this.cost = b.cost;
        this.dryRun = b.dryRun;
        this.keyPrefix = b.keyPrefix;
        this.trustedProxies = b.trustedProxies;
        this.clientAddressHeader = b.clientAddressHeader;
        this.ipv6Prefix = b.ipv6Prefix;
        this.clientAddresses = new ClientAddresses(name, trustedProxies, clientAddressHeader, ipv6Prefix);
        this.tenantHeader = b.tenantHeader;
        this.closedStatus = b.closedStatus;
        this.routePatterns = b.routePatterns;
        this.headerFormat = b.headerFormat;
        this.errorFormat = b.errorFormat;
        this.keyLayout = new KeyLayout(keyPrefix, scope, name, counter != null ? counter : name, algorithm, limits,
                keyParts, clientAddresses, routePatterns, tenantHeader, ipv6Prefix);
        this.rules = b.rules;
        this.prefetch = b.prefetch;
        // A plan or an operator's limits may be smaller than the configured ones: a reservation never exceeds them.
        this.prefetchUnits = Math.max(1, Math.min(prefetch, smallestPermits(limits) / cost));
        this.planSpecs = b.planSpecs;
        this.plans = planSpecs.isEmpty() ? Plans.none() : Plans.of(name, derivePlans());
        this.ietfItems = IetfRateLimitFields.items(name, limits);
    }

    /** What its {@code RateLimit-Policy} and {@code RateLimit} fields hold whatever the decision (built once, not per response). */
    IetfRateLimitFields.Items ietfItems() {
        return ietfItems;
    }

    /** Each plan: this policy with the plan's limits and algorithm, checked as the policy's own would be. */
    private Map<String, Policy> derivePlans() {
        if (algorithm == Algorithm.CONCURRENCY) {
            String first = planSpecs.keySet().iterator().next();
            throw new ConfigurationException(Plans.parameter(first, Plans.LIMITS), planSpecs.get(first).limitsText,
                    "no plans with algorithm 'concurrency': plans give rate limits (fixed-window, token-bucket, sliding-window)");
        }
        Map<String, Policy> derived = new LinkedHashMap<>();
        for (Map.Entry<String, PlanSpec> entry : planSpecs.entrySet()) {
            String plan = entry.getKey();
            PlanSpec spec = entry.getValue();
            String limitsParam = Plans.parameter(plan, Plans.LIMITS);
            if (spec.limits == null) {
                throw new ConfigurationException(limitsParam, null, "the plan's limits, e.g. '1000/1m', with "
                        + Plans.parameter(plan, Plans.ALGORITHM));
            }
            Algorithm planAlgorithm = spec.algorithm != null ? spec.algorithm : algorithm;
            if (planAlgorithm == Algorithm.CONCURRENCY) {
                throw new ConfigurationException(Plans.parameter(plan, Plans.ALGORITHM), planAlgorithm.configName(),
                        "'fixed-window', 'token-bucket' or 'sliding-window' (plans give rate limits)");
            }
            Builder b = toBuilder();
            b.planSpecs = Collections.emptyMap();
            b.algorithm = planAlgorithm;
            try {
                derived.put(plan, b.limits(spec.limits).build());
            } catch (ConfigurationException e) {
                throw new ConfigurationException(limitsParam, spec.limitsText, e.getMessage(), e);
            }
        }
        return derived;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    /** The {@code counter} policies share their counters under, or null: then the policy counts apart, under its name. */
    public String counter() {
        return counter;
    }

    public String scope() {
        return scope;
    }

    public List<Limit> limits() {
        return limits;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    public List<KeyPart> keyParts() {
        return keyParts;
    }

    public FailureMode failureMode() {
        return failureMode;
    }

    public long cost() {
        return cost;
    }

    public boolean dryRun() {
        return dryRun;
    }

    public String keyPrefix() {
        return keyPrefix;
    }

    public TrustedProxies trustedProxies() {
        return trustedProxies;
    }

    /** The header in which trusted proxies name the client. */
    public ClientAddressHeader clientAddressHeader() {
        return clientAddressHeader;
    }

    /** IPv6 clients are counted per network of this many leading bits (128: per address). */
    public int ipv6Prefix() {
        return ipv6Prefix;
    }

    /**
     * The client's full address in canonical form (or the token a trusted proxy wrote in its place),
     * believing {@code X-Forwarded-For} / {@code Forwarded} only from trusted proxies: for audit lines and
     * address lists. A value from the request: {@link AuditLog} escapes it; a direct log call must escape it
     * with {@link LogValues#escape}.
     */
    public String clientAddress(RequestView request) {
        return clientAddresses.resolve(request).text();
    }

    /**
     * What the key part {@code ip} counts (unescaped): the client address, an IPv6 client as its network
     * of {@code ipv6-prefix} bits, e.g. {@code 2001:db8:1:2::/64}.
     */
    public String clientIdentity(RequestView request) {
        return clientAddresses.identity(request);
    }

    /** The header naming the tenant, or null. */
    public String tenantHeader() {
        return tenantHeader;
    }

    /** The status of a denial by failure mode {@code closed}: 503 (default) or 429. */
    public int closedStatus() {
        return closedStatus;
    }

    /** Which requests the policy limits, skips or denies ({@code allow-addresses}, {@code deny-addresses}, {@code exclude-paths}, {@code methods}). */
    public RequestRules rules() {
        return rules;
    }

    /** The policy's plans ({@code plan.<name>.limits}); empty when it has none. */
    public Plans plans() {
        return plans;
    }

    /** The policy this request is counted against: its plan's ({@link Plans#ATTRIBUTE}), else this one. */
    public Policy forPlanOf(RequestView request) {
        return plans.select(this, request);
    }

    /** What this policy does with the request: limit it, skip it, or deny it (one audit line then). */
    public RequestRules.Verdict verdict(RequestView request, AuditLog audit) {
        return rules.check(request, this, audit);
    }

    ClientAddress resolveClient(RequestView request) {
        return clientAddresses.resolve(request);
    }

    /** The paths counted under a pattern for key part {@code route}. */
    public RoutePatterns routePatterns() {
        return routePatterns;
    }

    /** Which rate-limit header fields its responses carry. */
    public HeaderFormat headerFormat() {
        return headerFormat;
    }

    /** The body of its refusals. */
    public ErrorFormat errorFormat() {
        return errorFormat;
    }

    /**
     * {@code prefetch}: how many requests' permits of one identity an instance may reserve in one store call
     * and spend locally; 1 (default) asks the store on every request.
     */
    public int prefetch() {
        return prefetch;
    }

    /** The most requests one reservation takes for these limits: {@link #prefetch()}, at most what the smallest limit holds. */
    public long prefetchUnits() {
        return prefetchUnits;
    }

    private static long smallestPermits(List<Limit> limits) {
        long smallest = Long.MAX_VALUE;
        for (Limit limit : limits) {
            smallest = Math.min(smallest, limit.permits());
        }
        return smallest;
    }

    /** Where this policy's counters live in the store: every key of it comes from here. */
    public KeyLayout keyLayout() {
        return keyLayout;
    }

    /** The same policy with other limits, validated like the original (the cost must still fit). */
    public Policy withLimits(List<Limit> newLimits) {
        return toBuilder().limits(newLimits).build();
    }

    public Policy withDryRun(boolean newDryRun) {
        return toBuilder().dryRun(newDryRun).build();
    }

    private Builder toBuilder() {
        Builder b = new Builder(name);
        b.counter = counter;
        b.scope = scope;
        b.limits = limits;
        b.algorithm = algorithm;
        b.keyParts = keyParts;
        b.failureMode = failureMode;
        b.cost = cost;
        b.dryRun = dryRun;
        b.keyPrefix = keyPrefix;
        b.trustedProxies = trustedProxies;
        b.clientAddressHeader = clientAddressHeader;
        b.ipv6Prefix = ipv6Prefix;
        b.tenantHeader = tenantHeader;
        b.closedStatus = closedStatus;
        b.routePatterns = routePatterns;
        b.headerFormat = headerFormat;
        b.errorFormat = errorFormat;
        b.rules = rules;
        b.planSpecs = planSpecs;
        b.prefetch = prefetch;
        return b;
    }

    /** One line for the startup log. */
    public String describe() {
        StringBuilder key = new StringBuilder();
        for (KeyPart part : keyParts) {
            key.append(key.length() == 0 ? "" : ",").append(part);
        }
        return "policy=" + name + (counter == null ? "" : " counter=" + counter) + " scope=" + scope + " limits=" + limits + " algorithm=" + algorithm
                + " key=" + key + " failure-mode=" + failureMode
                + (failureMode == FailureMode.CLOSED ? " closed-status=" + closedStatus : "")
                + " cost=" + cost + (prefetch == DEFAULT_PREFETCH ? "" : " prefetch=" + prefetch) + " dry-run=" + dryRun
                + " trusted-proxies=" + trustedProxies + " client-address-header=" + clientAddressHeader
                + " ipv6-prefix=" + ipv6Prefix
                + (routePatterns.isEmpty() ? "" : " route-patterns=" + routePatterns)
                + " headers=" + headerFormat + " error-format=" + errorFormat
                + (rules.isEmpty() ? "" : " " + rules)
                + (plans.isEmpty() ? "" : " " + plans);
    }

    /** Builds a {@link Policy}; each setter names the parameter it serves, for error messages. */
    public static final class Builder {
        private final String name;
        private String counter;
        private String scope = DEFAULT_SCOPE;
        private List<Limit> limits;
        private Algorithm algorithm = DEFAULT_ALGORITHM;
        private List<KeyPart> keyParts = KeyPart.parseAll("key", DEFAULT_KEY);
        private FailureMode failureMode;
        private long cost = 1;
        private boolean dryRun;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private TrustedProxies trustedProxies = TrustedProxies.none();
        private ClientAddressHeader clientAddressHeader = DEFAULT_CLIENT_ADDRESS_HEADER;
        private int ipv6Prefix = DEFAULT_IPV6_PREFIX;
        private String tenantHeader;
        private int closedStatus = RateLimitResponse.SERVICE_UNAVAILABLE;
        private RoutePatterns routePatterns = RoutePatterns.none();
        private HeaderFormat headerFormat = DEFAULT_HEADER_FORMAT;
        private ErrorFormat errorFormat = DEFAULT_ERROR_FORMAT;
        private RequestRules rules = RequestRules.none();
        private Map<String, PlanSpec> planSpecs = Collections.emptyMap();
        private int prefetch = DEFAULT_PREFETCH;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder scope(String scope) {
            if (scope == null || !scope.matches(WORD)) {
                throw new ConfigurationException("scope", scope,
                        "a word of letters, digits, '.', '_' or '-' (at most 32), e.g. 'api', 'webhook', 'admin'");
            }
            this.scope = scope;
            return this;
        }

        /** Policies with the same counter share their counters; null (default): the policy counts under its own name. */
        public Builder counter(String counter) {
            if (counter != null && !counter.matches(COUNTER_NAME)) {
                throw new ConfigurationException("counter", counter,
                        "a name of letters, digits, '.', '_' or '-' (at most 64), e.g. 'webhooks'; policies with the"
                                + " same counter share their counters");
            }
            this.counter = counter;
            return this;
        }

        public Builder limits(List<Limit> limits) {
            Set<Long> windows = new HashSet<>();
            for (Limit limit : limits) {
                if (!windows.add(limit.windowMillis())) {
                    throw new ConfigurationException("limits", limits.toString(),
                            "limits with different windows (two limits over the same window: keep the smaller)");
                }
            }
            this.limits = Collections.unmodifiableList(new ArrayList<>(limits));
            return this;
        }

        public Builder algorithm(Algorithm algorithm) {
            this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
            return this;
        }

        public Builder keyParts(List<KeyPart> keyParts) {
            this.keyParts = Collections.unmodifiableList(new ArrayList<>(keyParts));
            return this;
        }

        /** Null means the scope's default ({@link FailureMode#defaultFor}). */
        public Builder failureMode(FailureMode failureMode) {
            this.failureMode = failureMode;
            return this;
        }

        public Builder cost(long cost) {
            this.cost = cost;
            return this;
        }

        /** Checked with the algorithm in {@link #build()}. */
        public Builder prefetch(int prefetch) {
            if (prefetch < 1 || prefetch > MAX_PREFETCH) {
                throw new ConfigurationException("prefetch", String.valueOf(prefetch), PREFETCH_ACCEPTED);
            }
            this.prefetch = prefetch;
            return this;
        }

        public Builder dryRun(boolean dryRun) {
            this.dryRun = dryRun;
            return this;
        }

        public Builder keyPrefix(String keyPrefix) {
            if (keyPrefix == null || !keyPrefix.matches("[A-Za-z0-9._:-]{1,64}")) {
                throw new ConfigurationException("key-prefix", keyPrefix,
                        "1 to 64 letters, digits, '.', '_', ':' or '-' (no braces: they would break Redis Cluster hash tags)");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        public Builder trustedProxies(TrustedProxies trustedProxies) {
            this.trustedProxies = Objects.requireNonNull(trustedProxies, "trustedProxies");
            return this;
        }

        public Builder clientAddressHeader(ClientAddressHeader clientAddressHeader) {
            this.clientAddressHeader = Objects.requireNonNull(clientAddressHeader, "clientAddressHeader");
            return this;
        }

        public Builder ipv6Prefix(int ipv6Prefix) {
            if (ipv6Prefix < MIN_IPV6_PREFIX || ipv6Prefix > MAX_IPV6_PREFIX) {
                throw new ConfigurationException("ipv6-prefix", String.valueOf(ipv6Prefix),
                        "a whole number from " + MIN_IPV6_PREFIX + " to " + MAX_IPV6_PREFIX + " (128: one client per address)");
            }
            this.ipv6Prefix = ipv6Prefix;
            return this;
        }

        public Builder tenantHeader(String tenantHeader) {
            if (tenantHeader != null && !tenantHeader.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                throw new ConfigurationException("tenant-header", tenantHeader, "an HTTP header name, e.g. 'X-Tenant-Id'");
            }
            this.tenantHeader = tenantHeader;
            return this;
        }

        public Builder closedStatus(int closedStatus) {
            if (closedStatus != RateLimitResponse.SERVICE_UNAVAILABLE && closedStatus != RateLimitResponse.TOO_MANY_REQUESTS) {
                throw new ConfigurationException("closed-status", String.valueOf(closedStatus), "503 or 429");
            }
            this.closedStatus = closedStatus;
            return this;
        }

        public Builder routePatterns(RoutePatterns routePatterns) {
            this.routePatterns = Objects.requireNonNull(routePatterns, "routePatterns");
            return this;
        }

        public Builder headerFormat(HeaderFormat headerFormat) {
            this.headerFormat = Objects.requireNonNull(headerFormat, "headerFormat");
            return this;
        }

        public Builder errorFormat(ErrorFormat errorFormat) {
            this.errorFormat = Objects.requireNonNull(errorFormat, "errorFormat");
            return this;
        }

        public Builder rules(RequestRules rules) {
            this.rules = Objects.requireNonNull(rules, "rules");
            return this;
        }

        /**
         * A plan: its limits and, when not null, its own algorithm.
         *
         * @param limitsText the limits as written, for messages
         */
        public Builder plan(String plan, List<Limit> limits, String limitsText, Algorithm algorithm) {
            Map<String, PlanSpec> specs = new LinkedHashMap<>(planSpecs);
            specs.put(plan, new PlanSpec(limits, limitsText, algorithm));
            this.planSpecs = Collections.unmodifiableMap(specs);
            return this;
        }

        public Policy build() {
            if (limits == null || limits.isEmpty()) {
                throw new ConfigurationException("limits", null, Limit.ACCEPTED);
            }
            if (algorithm == Algorithm.CONCURRENCY) {
                if (limits.size() != 1) {
                    throw new ConfigurationException("limits", limits.toString(),
                            "one limit only with algorithm 'concurrency', N/lease, e.g. '5/30s' (5 requests in flight, each permit leased 30 s and renewed while it runs)");
                }
                if (cost != 1) {
                    throw new ConfigurationException("cost", String.valueOf(cost), "1 with algorithm 'concurrency' (one permit per request)");
                }
                if (WEBHOOK_SCOPE.equals(scope)) {
                    throw new ConfigurationException("algorithm", algorithm.configName(),
                            "'fixed-window', 'token-bucket' or 'sliding-window' with scope 'webhook' (a delivery is"
                                    + " verified and counted, not held in flight)");
                }
                if (prefetch != DEFAULT_PREFETCH) {
                    throw new ConfigurationException("prefetch", String.valueOf(prefetch), "1 with algorithm"
                            + " 'concurrency' (a permit is held while its request runs and given back when it ends:"
                            + " there is nothing to take in advance)");
                }
                if (dryRun) {
                    // It used to be accepted and ignored: a dry-run concurrency policy still refused with 429.
                    throw new ConfigurationException("dry-run", "true", "'false' with algorithm 'concurrency' (a"
                            + " request is either held in flight or not; try a limit out with a high N and watch the"
                            + " in-flight gauge)");
                }
            }
            long smallest = Long.MAX_VALUE;
            for (Limit limit : limits) {
                smallest = Math.min(smallest, limit.permits());
            }
            if (cost < 1 || cost > smallest) {
                throw new ConfigurationException("cost", String.valueOf(cost),
                        "a whole number from 1 to the smallest limit's permits (" + smallest + ")");
            }
            return new Policy(this);
        }
    }

    /** A plan as configured: limits (null when only the algorithm was given) and an algorithm or null. */
    private static final class PlanSpec {
        final List<Limit> limits;
        final String limitsText;
        final Algorithm algorithm;

        PlanSpec(List<Limit> limits, String limitsText, Algorithm algorithm) {
            this.limits = limits;
            this.limitsText = limitsText;
            this.algorithm = algorithm;
        }
    }
}
