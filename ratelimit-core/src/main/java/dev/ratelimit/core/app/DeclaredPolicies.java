package dev.ratelimit.core.app;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import dev.ratelimit.core.PolicyParams;

/**
 * The policies an application declares, which its policy file may name: each {@code RateLimitFilter}'s
 * policy name (its init-param {@code policy-name}, else the context-param {@code ratelimit.policy-name},
 * else its filter-name) and each JAX-RS named policy ({@code ratelimit.policy.<name>.limits}). A JAX-RS
 * annotation without {@code policy} has no name the file could use.
 */
public final class DeclaredPolicies {

    /** The filter's class name; the same in both namespaces (the transformer renames packages of the API only). */
    public static final String FILTER_CLASS = "dev.ratelimit.servlet.RateLimitFilter";

    private DeclaredPolicies() {
    }

    /**
     * @param filters       every filter of the application: filter-name → its init-params, for those of class
     *                      {@link #FILTER_CLASS}
     * @param contextParams the application's context-param names
     * @param contextParam  a context-param's value
     */
    public static Set<String> of(Map<String, Map<String, String>> filters, Iterable<String> contextParams,
                                 Function<String, String> contextParam) {
        Set<String> names = new TreeSet<>();
        String shared = blankToNull(contextParam.apply(ParameterNames.SHARED_PREFIX + PolicyParams.POLICY_NAME));
        for (Map.Entry<String, Map<String, String>> filter : filters.entrySet()) {
            String own = blankToNull(filter.getValue().get(PolicyParams.POLICY_NAME));
            names.add(own != null ? own.trim() : shared != null ? shared.trim() : filter.getKey());
        }
        String suffix = "." + PolicyParams.LIMITS;
        for (String name : contextParams) {
            if (name.startsWith(ParameterNames.POLICY_PREFIX) && name.endsWith(suffix)) {
                String[] split = ParameterNames.splitPolicyKey(name.substring(ParameterNames.POLICY_PREFIX.length()));
                if (split != null && PolicyParams.LIMITS.equals(split[1])) {
                    names.add(split[0]);
                }
            }
        }
        return names;
    }

    private static String blankToNull(String s) {
        return s == null || s.trim().isEmpty() ? null : s;
    }
}
