package dev.ratelimit.core.app;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.LogValues;
import dev.ratelimit.core.Plans;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.redis.RedisParams;
import dev.ratelimit.core.webhook.WebhookParams;

/**
 * Every parameter name the adapters read, so a misspelled one fails the deployment instead of being
 * silently ignored ({@code failure-mod} would otherwise leave the failure mode at its default).
 */
public final class ParameterNames {

    /** Context-params named {@code ratelimit.<param>} apply to every limiter of the application. */
    public static final String SHARED_PREFIX = "ratelimit.";
    /** Named policies: {@code ratelimit.policy.<name>.<param>}. */
    public static final String POLICY_PREFIX = "ratelimit.policy.";

    /** Every parameter of a limiter: policy, Redis, webhook and application-wide ones. */
    public static final Set<String> ALL;

    static {
        Set<String> all = new LinkedHashSet<>();
        all.addAll(PolicyParams.NAMES);
        all.addAll(RedisParams.NAMES);
        all.addAll(WebhookParams.NAMES);
        all.addAll(ApplicationParams.NAMES);
        ALL = Collections.unmodifiableSet(all);
    }

    private ParameterNames() {
    }

    /**
     * Checks the parameters of one limiter, e.g. a filter's init-params.
     *
     * @param owner what they belong to, for the message, e.g. {@code filter 'api'}
     * @throws ConfigurationException for the first unknown name, with the closest known one
     */
    public static void checkAll(Iterable<String> names, String owner) {
        for (String name : names) {
            if (!isKnown(name)) {
                throw unknown(name, name, owner);
            }
        }
    }

    /** A known parameter, or a plan's: {@code plan.<name>.limits} or {@code plan.<name>.algorithm}. */
    public static boolean isKnown(String param) {
        return ALL.contains(param) || Plans.isPlanParameter(param);
    }

    /**
     * Splits {@code <policy>.<param>} (a named policy's context-param after its prefix, or a policy file's
     * key): the parameter is the last segment, or the last three for a plan's ({@code gold.plan.x.limits}
     * would be policy {@code gold}, plan {@code x}); a policy's name may hold dots, a parameter's never does.
     *
     * @return {policy, param}, or null when there is no policy part
     */
    public static String[] splitPolicyKey(String key) {
        int dot = key.lastIndexOf('.');
        if (dot <= 0 || dot == key.length() - 1) {
            return null;
        }
        int planDot = key.lastIndexOf("." + Plans.PREFIX);
        if (planDot > 0 && key.indexOf('.', planDot + 1 + Plans.PREFIX.length()) == dot) {
            return new String[] {key.substring(0, planDot), key.substring(planDot + 1)};
        }
        if (key.startsWith(Plans.PREFIX) && key.indexOf('.', Plans.PREFIX.length()) == dot) {
            return null; // plan.<name>.<param> without a policy
        }
        return new String[] {key.substring(0, dot), key.substring(dot + 1)};
    }

    /**
     * Checks an application's context-params in our namespace: {@code ratelimit.<param>} and
     * {@code ratelimit.policy.<name>.<param>}; other context-params are the application's own business.
     */
    public static void checkContextParams(Iterable<String> names) {
        for (String name : names) {
            if (!name.startsWith(SHARED_PREFIX)) {
                continue;
            }
            if (name.startsWith(POLICY_PREFIX)) {
                String[] split = splitPolicyKey(name.substring(POLICY_PREFIX.length()));
                String param = split == null ? "" : split[1];
                if (split == null || !isKnown(param)) {
                    throw unknown(name, param, split == null ? "context-param (expected "
                            + POLICY_PREFIX + "<name>.<param>)" : "policy '" + split[0] + "'");
                }
            } else if (!isKnown(name.substring(SHARED_PREFIX.length()))) {
                throw unknown(name, name.substring(SHARED_PREFIX.length()), "context-param");
            }
        }
    }

    private static ConfigurationException unknown(String given, String param, String owner) {
        if (Plans.looksLikePlanParameter(param)) {
            return ConfigurationException.unknownParameter(given, "Unknown parameter '" + LogValues.escape(given)
                    + "' for " + owner + ": expected " + Plans.NAME_ACCEPTED);
        }
        String closest = closest(param);
        return ConfigurationException.unknownParameter(given, "Unknown parameter '" + LogValues.escape(given) + "' for "
                + owner + (closest != null ? ": did you mean '" + closest + "'?" : ": known parameters are " + ALL));
    }

    /** The known name closest to {@code name} by edit distance, or null when none is close. */
    public static String closest(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String known : ALL) {
            int distance = editDistance(lower, known);
            if (distance < bestDistance) {
                best = known;
                bestDistance = distance;
            }
        }
        return bestDistance <= Math.max(2, name.length() / 3) ? best : null;
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
