package dev.ratelimit.core;

import java.util.List;

/**
 * Where counters live. One call checks and consumes every limit of a request all-or-nothing: when any
 * limit lacks {@code cost} permits, nothing is consumed.
 */
public interface RateLimitStore extends AutoCloseable {

    /**
     * @param keys   one key per limit, in the same order; all share one Redis Cluster hash slot
     * @param limits the limits, at least one
     * @param cost   permits this request takes, at least 1 and at most the smallest limit's permits
     * @throws StoreUnavailableException when the store cannot answer in time
     */
    Decision acquire(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost);

    /**
     * As {@link #acquire(Algorithm, List, List, long)} with the policy's algorithm, limits and cost, the
     * decision made under {@code policy} ({@link Decision#policy()}); a store may build it so at once, as
     * one object (this runs on every request).
     */
    default Decision acquire(Policy policy, List<String> keys) {
        return acquire(policy.algorithm(), keys, policy.limits(), policy.cost()).decidedBy(policy);
    }

    /** Forgets the counters under these keys. */
    void reset(List<String> keys);

    /**
     * Remembers {@code key} for {@code ttlMillis} unless it is already remembered (Redis {@code SET NX PX}):
     * what replay protection needs.
     *
     * @return true when the key was new, false when it was already remembered and has not expired
     * @throws StoreUnavailableException when the store cannot answer in time
     */
    default boolean remember(String key, long ttlMillis) {
        throw new UnsupportedOperationException(describe() + " cannot remember keys");
    }

    /** Keys matching a Redis glob pattern ({@code *} any run of characters), for administrative resets. */
    List<String> keysMatching(String pattern);

    /** Probes the store now (for Redis: one PING, bounded by its timeout). */
    StoreHealth health();

    /** What the startup log line and health output call this store, e.g. {@code redis://host:6379}. */
    String describe();

    @Override
    void close();
}
