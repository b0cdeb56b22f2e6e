package dev.ratelimit.core;

/**
 * The answer for one request: immutable, and everything the adapters need to write headers and the
 * 429 body. When a policy has several limits, the numbers are those of the limit that binds: the one
 * with the fewest permits left (when allowed) or the one that denied (when denied). A decision the
 * {@link RateLimiter} returns carries the {@link Policy} it was made under, so the answer is chosen by
 * that policy even when JMX has swapped the limiter's policy since.
 */
public final class Decision {

    private final boolean allowed;
    private final long limit;
    private final long remaining;
    private final long resetAtMillis;
    private final long retryAfterMillis;
    private final DecisionSource source;
    private final boolean dryRun;
    private final Policy policy;
    private final int limitIndex;
    private final long resetAfterMillis;

    private Decision(boolean allowed, long limit, long remaining, long resetAtMillis, long retryAfterMillis,
                     DecisionSource source, boolean dryRun, Policy policy, int limitIndex, long resetAfterMillis) {
        this.allowed = allowed;
        this.limit = limit;
        this.remaining = Math.max(0, remaining);
        this.resetAtMillis = resetAtMillis;
        this.retryAfterMillis = allowed ? 0 : Math.max(1, retryAfterMillis);
        this.source = source;
        this.dryRun = dryRun;
        this.policy = policy;
        this.limitIndex = limitIndex;
        this.resetAfterMillis = resetAfterMillis;
    }

    public static Decision allowed(long limit, long remaining, long resetAtMillis, DecisionSource source) {
        return new Decision(true, limit, remaining, resetAtMillis, 0, source, false, null, -1, -1);
    }

    public static Decision denied(long limit, long remaining, long resetAtMillis, long retryAfterMillis,
                                  DecisionSource source) {
        return new Decision(false, limit, remaining, resetAtMillis, retryAfterMillis, source, false, null, -1, -1);
    }

    /**
     * As {@code allowed(...).boundBy(limitIndex, resetAfterMillis).decidedBy(policy)}, in one object: a store
     * builds one of these on every request.
     *
     * @param policy the policy it was made under; null when not made through one
     */
    public static Decision allowed(long limit, long remaining, long resetAtMillis, DecisionSource source,
                                   int limitIndex, long resetAfterMillis, Policy policy) {
        return new Decision(true, limit, remaining, resetAtMillis, 0, source, false, policy, limitIndex,
                Math.max(0, resetAfterMillis));
    }

    /** As {@code denied(...).boundBy(limitIndex, resetAfterMillis).decidedBy(policy)}, in one object. */
    public static Decision denied(long limit, long remaining, long resetAtMillis, long retryAfterMillis,
                                  DecisionSource source, int limitIndex, long resetAfterMillis, Policy policy) {
        return new Decision(false, limit, remaining, resetAtMillis, retryAfterMillis, source, false, policy, limitIndex,
                Math.max(0, resetAfterMillis));
    }

    /**
     * The same decision, saying which of the policy's limits binds and how long, by the store's clock at
     * the decision, until that limit's permits are all back: what the IETF {@code RateLimit} field reports.
     *
     * @param limitIndex       the binding limit's position in {@link Policy#limits()}
     * @param resetAfterMillis from the decision to {@link #resetAtMillis()}
     */
    public Decision boundBy(int limitIndex, long resetAfterMillis) {
        return new Decision(allowed, limit, remaining, resetAtMillis, retryAfterMillis, source, dryRun, policy,
                limitIndex, Math.max(0, resetAfterMillis));
    }

    /** The same decision, marked as made under dry-run: it is reported but never blocks. */
    public Decision asDryRun() {
        return new Decision(allowed, limit, remaining, resetAtMillis, retryAfterMillis, source, true, policy,
                limitIndex, resetAfterMillis);
    }

    /** The same decision, made under {@code policy}. */
    public Decision decidedBy(Policy policy) {
        return decidedBy(policy, dryRun);
    }

    /** The same decision, made under {@code policy}, and marked as dry-run when {@code dryRun}: one object for both. */
    Decision decidedBy(Policy policy, boolean dryRun) {
        if (policy == this.policy && dryRun == this.dryRun) {
            return this;
        }
        return new Decision(allowed, limit, remaining, resetAtMillis, retryAfterMillis, source, dryRun, policy,
                limitIndex, resetAfterMillis);
    }

    /**
     * Of two decisions on one request (several limiters in turn), the one whose numbers bind: one that
     * blocks, else the one closest to denying, preferring one a store made over a bypass without numbers.
     *
     * @param current the binding decision so far, or null for the first
     */
    public static Decision binding(Decision current, Decision candidate) {
        if (current == null || candidate.blocks()) {
            return candidate;
        }
        if (current.blocks()) {
            return current;
        }
        if (current.source() == DecisionSource.BYPASS) {
            return candidate;
        }
        if (candidate.source() == DecisionSource.BYPASS) {
            return current;
        }
        return candidate.remaining() < current.remaining() ? candidate : current;
    }

    /** Whether the limit admitted the request (in dry-run this still says what would have happened). */
    public boolean allowed() {
        return allowed;
    }

    /** Whether the adapter must turn the request away: denied and not in dry-run. */
    public boolean blocks() {
        return !allowed && !dryRun;
    }

    public boolean dryRun() {
        return dryRun;
    }

    /** Permits of the binding limit; 0 when no store decided ({@link DecisionSource#BYPASS}). */
    public long limit() {
        return limit;
    }

    public long remaining() {
        return remaining;
    }

    /** When the binding limit's permits are all back, epoch milliseconds by the store's clock. */
    public long resetAtMillis() {
        return resetAtMillis;
    }

    /** How long a denied client should wait before a retry can succeed; 0 when allowed. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    public DecisionSource source() {
        return source;
    }

    /** The binding limit's position in the policy's limits; -1 when the store did not say ({@link #boundBy}). */
    public int limitIndex() {
        return limitIndex;
    }

    /**
     * From the decision to {@link #resetAtMillis()} by the store's clock; -1 when the store did not say
     * ({@link #boundBy}).
     */
    public long resetAfterMillis() {
        return resetAfterMillis;
    }

    /** The policy this decision was made under; null when it did not come through a {@link RateLimiter}. */
    public Policy policy() {
        return policy;
    }

    @Override
    public String toString() {
        return (allowed ? "allowed" : "denied") + (dryRun ? " (dry-run)" : "") + " limit=" + limit
                + " remaining=" + remaining + " resetAt=" + resetAtMillis + " retryAfterMs=" + retryAfterMillis
                + " source=" + source + (policy == null ? "" : " policy=" + policy.name());
    }
}
