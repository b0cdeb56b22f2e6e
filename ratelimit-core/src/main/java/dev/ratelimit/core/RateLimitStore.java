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
     * Takes the permits of up to {@code units} requests at once ({@code prefetch}), each of {@code cost}
     * permits of every limit, all-or-nothing per request: as many as every limit holds, at most {@code units}.
     * A sliding window logs them {@code holdMillis} ahead of now, so that a permit spent later still counts
     * in every window that contains its spending; a fixed window counts them in its current window, where
     * they must be spent; a token bucket counts the tokens as taken at the hold's end, granting what fits
     * checked now (one request held 0 when none fits so). Spend them within the reservation's
     * {@link Reservation#holdMillis()}, which may be shorter than asked.
     *
     * @param holdMillis how long this instance may hold the permits before spending them (0: spent at once)
     * @throws StoreUnavailableException when the store cannot answer in time
     */
    default Reservation reserve(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost, long units,
                                long holdMillis) {
        throw new UnsupportedOperationException(describe() + " cannot reserve permits");
    }

    /**
     * Gives back {@code units} unspent requests of {@code reservation}: a fixed window only while it is still
     * the window they were counted in (else there is nothing to give back), a token bucket as far as that
     * frees no token a later reservation counted on (less than all of them when one was made since), a
     * sliding window by removing their entries.
     *
     * @throws StoreUnavailableException when the store cannot answer in time (the permits stay taken)
     */
    default void giveBack(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost,
                          Reservation reservation, long units) {
        throw new UnsupportedOperationException(describe() + " cannot give permits back");
    }

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
