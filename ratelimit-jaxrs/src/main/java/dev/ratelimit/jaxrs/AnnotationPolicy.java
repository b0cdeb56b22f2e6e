package dev.ratelimit.jaxrs;

import java.util.HashMap;
import java.util.Map;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.redis.RedisParams;
import dev.ratelimit.core.redis.RedisSettings;

/**
 * Reads one {@link RateLimited} through core's {@link PolicyParams} and {@link RedisParams}, so the
 * annotation obeys the same rules and messages as the Servlet filter's init-params. Each parameter is
 * looked up in order: the named policy's {@code ratelimit.policy.<name>.<param>}, the annotation's
 * attribute, the application-wide {@code ratelimit.<param>}.
 */
final class AnnotationPolicy {

    /** Prefix of the application-wide settings, as for the Servlet filter's context-params. */
    static final String SHARED_PREFIX = "ratelimit.";
    /** Prefix of named policies: {@code ratelimit.policy.<name>.<param>}. */
    static final String POLICY_PREFIX = "ratelimit.policy.";

    private static final String POLICY_NAME_RULE = "[A-Za-z0-9][A-Za-z0-9_-]{0,63}";

    /** Annotation attribute names by parameter name. */
    private static final Map<String, String> ATTRIBUTES = new HashMap<>();

    static {
        ATTRIBUTES.put(PolicyParams.LIMITS, "limits");
        ATTRIBUTES.put(PolicyParams.ALGORITHM, "algorithm");
        ATTRIBUTES.put(PolicyParams.KEY, "key");
        ATTRIBUTES.put(PolicyParams.SCOPE, "scope");
        ATTRIBUTES.put(PolicyParams.FAILURE_MODE, "failureMode");
        ATTRIBUTES.put(PolicyParams.COST, "cost");
    }

    private final RateLimited annotation;
    private final Settings settings;
    private final String where;
    private final String policyPrefix;
    private final Map<String, String> sources = new HashMap<>();

    final Policy policy;
    /** Null when no Redis URL is configured: count in memory. */
    final RedisSettings redis;

    /**
     * @param where names the annotated method in messages, e.g. {@code OrderResource#find}
     * @throws IllegalArgumentException naming the attribute or configuration name at fault
     */
    AnnotationPolicy(RateLimited annotation, Settings settings, String where) {
        this.annotation = annotation;
        this.settings = settings;
        this.where = where;
        this.policyPrefix = namedPolicyPrefix();
        ConfigParams params = new ConfigParams(this::lookup);
        try {
            String defaultName = annotation.policy().isEmpty() ? where : annotation.policy();
            this.policy = PolicyParams.read(params, defaultName);
            this.redis = RedisParams.read(params);
        } catch (ConfigurationException e) {
            throw new IllegalArgumentException(context() + " (" + sourceOf(e.parameter()) + "): " + e.getMessage(), e);
        }
    }

    private String namedPolicyPrefix() {
        String name = annotation.policy();
        if (name.isEmpty()) {
            return null;
        }
        if (!name.matches(POLICY_NAME_RULE)) {
            throw new IllegalArgumentException(context() + " (attribute policy): Invalid value '" + name
                    + "': a name of letters, digits, '_' or '-' (at most 64), e.g. 'search'");
        }
        String prefix = POLICY_PREFIX + name + ".";
        if (!annotation.limits().isEmpty()) {
            throw new IllegalArgumentException(context() + ": attributes 'policy' and 'limits' exclude each other:"
                    + " the named policy takes its limits from " + prefix + PolicyParams.LIMITS);
        }
        if (settings.get(prefix + PolicyParams.LIMITS) == null) {
            throw new IllegalArgumentException(context() + " (attribute policy): no policy named '" + name
                    + "' is configured: set the context-param or system property " + prefix + PolicyParams.LIMITS
                    + " (e.g. '10/1s'), and optionally " + prefix + "<param> for its other parameters");
        }
        return prefix;
    }

    private String lookup(String param) {
        if (policyPrefix != null) {
            String value = settings.get(policyPrefix + param);
            if (value != null) {
                sources.put(param, settings.describe(policyPrefix + param));
                return value;
            }
        }
        String value = attribute(param);
        if (value != null) {
            sources.put(param, "attribute " + ATTRIBUTES.get(param));
            return value;
        }
        value = settings.get(SHARED_PREFIX + param);
        if (value != null) {
            sources.put(param, settings.describe(SHARED_PREFIX + param));
        }
        return value;
    }

    /** The attribute's value, or null when left at its default. */
    private String attribute(String param) {
        switch (param) {
            case PolicyParams.LIMITS:
                return emptyToNull(annotation.limits());
            case PolicyParams.ALGORITHM:
                return emptyToNull(annotation.algorithm());
            case PolicyParams.KEY:
                return emptyToNull(annotation.key());
            case PolicyParams.SCOPE:
                return emptyToNull(annotation.scope());
            case PolicyParams.FAILURE_MODE:
                return emptyToNull(annotation.failureMode());
            case PolicyParams.COST:
                return annotation.cost() == 1 ? null : Integer.toString(annotation.cost());
            default:
                return null;
        }
    }

    private String sourceOf(String param) {
        String source = sources.get(param);
        if (source != null) {
            return source;
        }
        String attribute = ATTRIBUTES.get(param);
        if (policyPrefix != null) {
            return policyPrefix + param + (attribute == null ? "" : " or attribute " + attribute);
        }
        return attribute != null ? "attribute " + attribute : SHARED_PREFIX + param;
    }

    private String context() {
        return "@RateLimited on " + where;
    }

    private static String emptyToNull(String s) {
        return s.trim().isEmpty() ? null : s;
    }
}
