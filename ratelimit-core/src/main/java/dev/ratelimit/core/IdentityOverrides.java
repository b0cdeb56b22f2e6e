package dev.ratelimit.core;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An operator's overrides of single identities under one policy: limits that replace the policy's for that
 * identity, and blocks (403 {@code ACCESS_DENIED}) until a deadline. Identities are as keys hold them between
 * the braces ({@link KeyLayout#identityOf(String)}), so a request's identity parts are looked up directly,
 * one hash lookup each. Immutable; held in memory, never read from the store on a request.
 */
public final class IdentityOverrides {

    public static final IdentityOverrides NONE = new IdentityOverrides(Collections.<String, List<Limit>>emptyMap(),
            Collections.<String, Long>emptyMap());

    private final Map<String, List<Limit>> limits;
    private final Map<String, Long> blockedUntilNanos;

    /**
     * @param limits            identity to the limits that replace the policy's
     * @param blockedUntilNanos identity to the end of its block on {@link System#nanoTime()}
     */
    public IdentityOverrides(Map<String, List<Limit>> limits, Map<String, Long> blockedUntilNanos) {
        this.limits = Collections.unmodifiableMap(new HashMap<>(limits));
        this.blockedUntilNanos = Collections.unmodifiableMap(new HashMap<>(blockedUntilNanos));
    }

    public boolean isEmpty() {
        return limits.isEmpty() && blockedUntilNanos.isEmpty();
    }

    public Map<String, List<Limit>> limits() {
        return limits;
    }

    public boolean hasBlocks() {
        return !blockedUntilNanos.isEmpty();
    }

    /** Whether the identity is blocked at {@code nowNanos}. */
    public boolean blocked(String identity, long nowNanos) {
        Long until = blockedUntilNanos.get(identity);
        return until != null && until - nowNanos > 0;
    }
}
