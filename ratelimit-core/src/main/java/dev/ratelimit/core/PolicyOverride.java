package dev.ratelimit.core;

import java.util.List;

/**
 * What an operator changed on a running policy (JMX, and through Redis on every instance): its limits,
 * its dry-run, or neither. It is laid over the configured policy ({@code web.xml}, then the policy file),
 * so a reloaded configuration keeps the operator's change until it is cleared.
 */
public final class PolicyOverride {

    /** Nothing changed: the configured policy applies. */
    public static final PolicyOverride NONE = new PolicyOverride(null, null);

    private final List<Limit> limits;
    private final Boolean dryRun;

    private PolicyOverride(List<Limit> limits, Boolean dryRun) {
        this.limits = limits;
        this.dryRun = dryRun;
    }

    public PolicyOverride withLimits(List<Limit> newLimits) {
        return new PolicyOverride(newLimits, dryRun);
    }

    public PolicyOverride withDryRun(boolean newDryRun) {
        return new PolicyOverride(limits, newDryRun);
    }

    /** The overridden limits; null when the configured ones apply. */
    public List<Limit> limits() {
        return limits;
    }

    /** The overridden dry-run; null when the configured one applies. */
    public Boolean dryRun() {
        return dryRun;
    }

    public boolean isNone() {
        return limits == null && dryRun == null;
    }

    /** The configured policy with this override laid over it. */
    public Policy applyTo(Policy configured) {
        Policy applied = configured;
        if (limits != null) {
            applied = applied.withLimits(limits);
        }
        if (dryRun != null) {
            applied = applied.withDryRun(dryRun);
        }
        return applied;
    }

    @Override
    public String toString() {
        if (isNone()) {
            return "none";
        }
        return (limits == null ? "" : "limits=" + joined(limits)) + (limits != null && dryRun != null ? " " : "")
                + (dryRun == null ? "" : "dry-run=" + dryRun);
    }

    private static String joined(List<Limit> limits) {
        StringBuilder text = new StringBuilder();
        for (Limit limit : limits) {
            text.append(text.length() == 0 ? "" : ",").append(limit);
        }
        return text.toString();
    }
}
