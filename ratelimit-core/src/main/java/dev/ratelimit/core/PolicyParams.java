package dev.ratelimit.core;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parameter vocabulary shared by every adapter (Servlet init-params, JAX-RS annotation attributes
 * and named policies): reads a {@link Policy} from {@link ConfigParams}.
 */
public final class PolicyParams {

    public static final String LIMITS = "limits";
    public static final String ALGORITHM = "algorithm";
    public static final String KEY = "key";
    public static final String SCOPE = "scope";
    public static final String FAILURE_MODE = "failure-mode";
    public static final String KEY_PREFIX = "key-prefix";
    public static final String TRUSTED_PROXIES = "trusted-proxies";
    public static final String DRY_RUN = "dry-run";
    public static final String COST = "cost";
    public static final String TENANT_HEADER = "tenant-header";
    public static final String POLICY_NAME = "policy-name";
    public static final String CLOSED_STATUS = "closed-status";
    public static final String CLIENT_ADDRESS_HEADER = "client-address-header";
    public static final String IPV6_PREFIX = "ipv6-prefix";
    public static final String ROUTE_PATTERNS = "route-patterns";
    public static final String COUNTER = "counter";
    public static final String HEADERS = "headers";
    public static final String ERROR_FORMAT = "error-format";
    public static final String ALLOW_ADDRESSES = "allow-addresses";
    public static final String DENY_ADDRESSES = "deny-addresses";
    public static final String EXCLUDE_PATHS = "exclude-paths";
    public static final String METHODS = "methods";
    public static final String PREFETCH = "prefetch";

    /** Every parameter this class reads. */
    public static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList(
            LIMITS, ALGORITHM, KEY, SCOPE, FAILURE_MODE, KEY_PREFIX, TRUSTED_PROXIES, DRY_RUN, COST, TENANT_HEADER,
            POLICY_NAME, CLOSED_STATUS, CLIENT_ADDRESS_HEADER, IPV6_PREFIX, ROUTE_PATTERNS, COUNTER, HEADERS,
            ERROR_FORMAT, ALLOW_ADDRESSES, DENY_ADDRESSES, EXCLUDE_PATHS, METHODS, PREFETCH));

    /**
     * In {@code key-prefix}, stands for the application's name (its context path without the leading slash,
     * {@code ROOT} for the root application): one filter declared for every application, e.g. in Tomcat's
     * {@code conf/web.xml}, keeps each application's counters apart with {@code ratelimit:{context}}.
     */
    public static final String CONTEXT_PLACEHOLDER = "{context}";

    private PolicyParams() {
    }

    /** @param defaultName the policy's name when {@code policy-name} is not set */
    public static Policy read(ConfigParams params, String defaultName) {
        return read(params, defaultName, null);
    }

    /**
     * @param defaultName the policy's name when {@code policy-name} is not set
     * @param application the application's name, put in place of {@link #CONTEXT_PLACEHOLDER} in
     *        {@code key-prefix}; null where the adapter does not know it (then the placeholder is refused)
     */
    public static Policy read(ConfigParams params, String defaultName, String application) {
        Policy.Builder builder = Policy.builder(params.get(POLICY_NAME, defaultName))
                .counter(params.get(COUNTER))
                .limits(Limit.parseAll(LIMITS, params.get(LIMITS)))
                .scope(params.get(SCOPE, Policy.DEFAULT_SCOPE))
                .algorithm(Algorithm.parse(ALGORITHM, params.get(ALGORITHM, Policy.DEFAULT_ALGORITHM.configName())))
                .keyParts(KeyPart.parseAll(KEY, params.get(KEY, Policy.DEFAULT_KEY)))
                .keyPrefix(keyPrefix(params.get(KEY_PREFIX, Policy.DEFAULT_KEY_PREFIX), application))
                .trustedProxies(TrustedProxies.parse(TRUSTED_PROXIES, params.get(TRUSTED_PROXIES)))
                .clientAddressHeader(ClientAddressHeader.parse(CLIENT_ADDRESS_HEADER,
                        params.get(CLIENT_ADDRESS_HEADER, Policy.DEFAULT_CLIENT_ADDRESS_HEADER.headerName())))
                .ipv6Prefix((int) params.getLong(IPV6_PREFIX, Policy.DEFAULT_IPV6_PREFIX,
                        Policy.MIN_IPV6_PREFIX, Policy.MAX_IPV6_PREFIX))
                .tenantHeader(params.get(TENANT_HEADER))
                .routePatterns(RoutePatterns.parse(ROUTE_PATTERNS, params.get(ROUTE_PATTERNS)))
                .dryRun(params.getBoolean(DRY_RUN, false))
                .cost(params.getLong(COST, 1, 1, Integer.MAX_VALUE))
                .prefetch((int) params.getLong(PREFETCH, Policy.DEFAULT_PREFETCH, 1, Policy.MAX_PREFETCH))
                .closedStatus((int) params.getLong(CLOSED_STATUS, RateLimitResponse.SERVICE_UNAVAILABLE, 429, 503))
                .headerFormat(HeaderFormat.parse(HEADERS, params.get(HEADERS, Policy.DEFAULT_HEADER_FORMAT.toString())))
                .errorFormat(ErrorFormat.parse(ERROR_FORMAT, params.get(ERROR_FORMAT, Policy.DEFAULT_ERROR_FORMAT.toString())));
        String failureMode = params.get(FAILURE_MODE);
        if (failureMode != null) {
            builder.failureMode(FailureMode.parse(FAILURE_MODE, failureMode));
        }
        builder.rules(RequestRules.of(AddressList.parse(ALLOW_ADDRESSES, params.get(ALLOW_ADDRESSES)),
                AddressList.parse(DENY_ADDRESSES, params.get(DENY_ADDRESSES)),
                RoutePatterns.parse(EXCLUDE_PATHS, params.get(EXCLUDE_PATHS)),
                RequestRules.parseMethods(METHODS, params.get(METHODS))));
        for (String plan : planNames(params)) {
            String limitsParam = Plans.parameter(plan, Plans.LIMITS);
            String limits = params.get(limitsParam);
            String algorithm = params.get(Plans.parameter(plan, Plans.ALGORITHM));
            builder.plan(plan, limits == null ? null : Limit.parseAll(limitsParam, limits), limits,
                    algorithm == null ? null : Algorithm.parse(Plans.parameter(plan, Plans.ALGORITHM), algorithm));
        }
        Policy policy = builder.build();
        checkPrefetchFits(policy, params.get(PREFETCH));
        return policy;
    }

    /**
     * A reservation of {@code prefetch} requests must fit the smallest configured limit; a plan's or an
     * operator's smaller limits later only shrink what one reservation takes ({@link Policy#prefetchUnits()}).
     */
    private static void checkPrefetchFits(Policy policy, String given) {
        if (policy.prefetch() > policy.prefetchUnits()) {
            throw new ConfigurationException(PREFETCH, given, Policy.PREFETCH_ACCEPTED + " (here " + policy.prefetchUnits()
                    + ": limits " + policy.limits() + ", cost " + policy.cost() + ")");
        }
    }

    /** The plans named among the parameters given, in name order; a malformed {@code plan.} name is refused. */
    private static Set<String> planNames(ConfigParams params) {
        Set<String> plans = new TreeSet<>();
        for (String name : params.names()) {
            if (Plans.looksLikePlanParameter(name)) {
                String plan = Plans.planName(name);
                if (plan == null) {
                    throw ConfigurationException.unknownParameter(name, "Unknown parameter '" + LogValues.escape(name)
                            + "': expected " + Plans.NAME_ACCEPTED);
                }
                if (params.get(name) != null) {
                    plans.add(plan);
                }
            }
        }
        return plans;
    }

    /** The prefix with the application's name (characters a key prefix cannot hold become {@code _}) in place of the placeholder. */
    static String keyPrefix(String prefix, String application) {
        if (prefix == null || !prefix.contains(CONTEXT_PLACEHOLDER)) {
            return prefix;
        }
        if (application == null) {
            throw new ConfigurationException(KEY_PREFIX, prefix,
                    CONTEXT_PLACEHOLDER + " is known only to the Servlet filter; give the prefix itself here");
        }
        return prefix.replace(CONTEXT_PLACEHOLDER, application.replaceAll("[^A-Za-z0-9._-]", "_"));
    }
}
