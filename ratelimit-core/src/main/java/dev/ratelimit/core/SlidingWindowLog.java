package dev.ratelimit.core;

import java.util.List;

/**
 * The decision of the sliding window log, as both stores report it. Per limit the store finds the
 * permits taken in the last window (after this request when it was allowed), how long until the oldest
 * of them frees, and how long this request waits for enough of them to free (0 when it fits).
 */
public final class SlidingWindowLog {

    private SlidingWindowLog() {
    }

    /**
     * @param counts      per limit, the permits counted in its window
     * @param resetMillis per limit, until the oldest counted permit frees (0 when none is counted)
     * @param waitMillis  per limit, until this request fits (0 when it does)
     * @param nowMillis   the store's time of the decision
     */
    public static Decision decide(List<Limit> limits, long[] counts, long[] resetMillis, long[] waitMillis,
                                  boolean allowed, long nowMillis, DecisionSource source) {
        long[] remaining = new long[counts.length];
        for (int i = 0; i < counts.length; i++) {
            remaining[i] = Math.max(0, limits.get(i).permits() - counts[i]);
        }
        int bind = BindingLimit.index(allowed, remaining, resetMillis, waitMillis);
        long permits = limits.get(bind).permits();
        long resetAt = nowMillis + resetMillis[bind];
        return allowed
                ? Decision.allowed(permits, remaining[bind], resetAt, source, bind, resetMillis[bind], null)
                : Decision.denied(permits, remaining[bind], resetAt, waitMillis[bind], source, bind, resetMillis[bind], null);
    }
}
