package dev.ratelimit.core;

/**
 * Which of a request's limits a decision reports (its headers, its {@code Retry-After}), chosen alike
 * by every store that decides in Java; the Lua scripts choose by the same rules. Allowed: the limit
 * with the fewest permits left, on a tie the one that resets last. Denied: among the limits that lack
 * permits, the one that makes the client wait longest, on a tie the first.
 */
public final class BindingLimit {

    private BindingLimit() {
    }

    /**
     * @param remaining   per limit, the permits left after the decision
     * @param resetMillis per limit, how long until it resets (its window ends, its bucket is full)
     * @param waitMillis  per limit, how long it makes the client wait for this request: 0 when it has
     *                    the permits; only read when denied, and then positive for at least one limit
     * @return the index of the binding limit
     */
    public static int index(boolean allowed, long[] remaining, long[] resetMillis, long[] waitMillis) {
        int bind = -1;
        for (int i = 0; i < remaining.length; i++) {
            boolean better;
            if (allowed) {
                better = bind < 0 || remaining[i] < remaining[bind]
                        || (remaining[i] == remaining[bind] && resetMillis[i] > resetMillis[bind]);
            } else {
                better = waitMillis[i] > 0 && (bind < 0 || waitMillis[i] > waitMillis[bind]);
            }
            if (better) {
                bind = i;
            }
        }
        return bind;
    }
}
