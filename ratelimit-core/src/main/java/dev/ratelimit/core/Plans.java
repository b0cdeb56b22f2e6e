package dev.ratelimit.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A policy's plans: {@code plan.<name>.limits} (and optionally {@code plan.<name>.algorithm}) for the
 * requests the application's own code marked with the request attribute {@value #ATTRIBUTE}, never a
 * client's header. Each plan is the policy with the plan's limits and algorithm, counted under the same
 * keys (the window length and algorithm are part of every key, the number of permits is not): an identity
 * that changes plan keeps what it has spent in a window of the same length. A request without a plan, or
 * with a plan the policy does not have, is counted against the policy's own limits; an unknown plan name is
 * logged once, for at most {@value #MAX_WARNED_NAMES} names per policy.
 */
public final class Plans {

    /** The request attribute (JAX-RS: request-context property) naming the request's plan. */
    public static final String ATTRIBUTE = "dev.ratelimit.plan";
    /** How every plan parameter begins. */
    public static final String PREFIX = "plan.";
    public static final String LIMITS = "limits";
    public static final String ALGORITHM = "algorithm";
    public static final String NAME_ACCEPTED = "plan.<name>.limits or plan.<name>.algorithm, the name of letters,"
            + " digits, '_' or '-' (at most 32), e.g. 'plan.gold.limits'";

    static final int MAX_WARNED_NAMES = 64;

    private static final Pattern PARAM = Pattern.compile("plan\\.([A-Za-z0-9][A-Za-z0-9_-]{0,31})\\.(limits|algorithm)");
    private static final Logger LOG = LoggerFactory.getLogger(Plans.class);
    private static final Plans NONE = new Plans("", Collections.<String, Policy>emptyMap());

    private final String policyName;
    private final Map<String, Policy> plans;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean warnedOfMore = new AtomicBoolean();

    private Plans(String policyName, Map<String, Policy> plans) {
        this.policyName = policyName;
        this.plans = plans;
    }

    static Plans none() {
        return NONE;
    }

    static Plans of(String policyName, Map<String, Policy> plans) {
        return plans.isEmpty() ? NONE : new Plans(policyName, Collections.unmodifiableMap(new LinkedHashMap<>(plans)));
    }

    /** Whether the parameter is {@code plan.<name>.limits} or {@code plan.<name>.algorithm} with a valid name. */
    public static boolean isPlanParameter(String parameter) {
        return PARAM.matcher(parameter).matches();
    }

    /** Whether the parameter looks meant as a plan's ({@code plan.…}), valid or not. */
    public static boolean looksLikePlanParameter(String parameter) {
        return parameter.startsWith(PREFIX);
    }

    /** The plan's name in a valid plan parameter, else null. */
    public static String planName(String parameter) {
        Matcher m = PARAM.matcher(parameter);
        return m.matches() ? m.group(1) : null;
    }

    public static String parameter(String plan, String param) {
        return PREFIX + plan + "." + param;
    }

    public boolean isEmpty() {
        return plans.isEmpty();
    }

    public Set<String> names() {
        return plans.keySet();
    }

    /** The policy the request is counted against: its plan's, else {@code own}. */
    Policy select(Policy own, RequestView request) {
        if (plans.isEmpty()) {
            return own;
        }
        Object attribute = request.attribute(ATTRIBUTE);
        if (attribute == null) {
            return own;
        }
        String name = attribute.toString();
        Policy plan = plans.get(name);
        if (plan == null) {
            warnUnknown(name);
            return own;
        }
        return plan;
    }

    private void warnUnknown(String name) {
        if (warned.contains(name)) {
            return;
        }
        if (warned.size() >= MAX_WARNED_NAMES) {
            if (warnedOfMore.compareAndSet(false, true)) {
                LOG.warn("Rate-limit policy '{}': more than {} unknown plan names; no more are logged", policyName,
                        MAX_WARNED_NAMES);
            }
            return;
        }
        if (warned.add(name)) {
            LOG.warn("Rate-limit policy '{}' has no plan '{}' (request attribute {}): counted against the policy's own"
                    + " limits (logged once per plan name); known plans: {}", policyName, LogValues.escape(name),
                    ATTRIBUTE, plans.keySet());
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, Policy> plan : plans.entrySet()) {
            s.append(s.length() == 0 ? "" : " ").append("plan.").append(plan.getKey()).append('=')
                    .append(plan.getValue().limits()).append(' ').append(plan.getValue().algorithm());
        }
        return s.toString();
    }
}
