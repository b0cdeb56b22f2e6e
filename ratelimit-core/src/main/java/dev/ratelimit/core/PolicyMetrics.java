package dev.ratelimit.core;

/**
 * Where a limiter reports what it decided. Implemented in {@code dev.ratelimit.core.metrics} with
 * Dropwizard meters; an interface here so that the limiter does not depend on the metrics package.
 */
public interface PolicyMetrics {

    /** Records nothing: for limiters built without metrics. */
    PolicyMetrics NONE = new PolicyMetrics() {
        @Override
        public void record(Decision decision, boolean fromStoreFailure, long storeNanos) {
        }

        @Override
        public void signatureFailure() {
        }
    };

    /**
     * @param fromStoreFailure the decision was made without the store (failure mode)
     * @param storeNanos       the store call's duration, or -1 when no store was called (deny cache)
     */
    void record(Decision decision, boolean fromStoreFailure, long storeNanos);

    /** A webhook delivery whose signature did not verify. */
    void signatureFailure();

    /** A request admitted from permits this instance reserved earlier ({@code prefetch}): no store call. */
    default void recordPrefetched(Decision decision) {
    }

    /** Permits reserved in one store call ({@code prefetch}). */
    default void prefetchReserved(long permits) {
    }

    /** Reserved permits given back unspent. */
    default void prefetchReturned(long permits) {
    }

    /** Reserved permits that could not be given back (the store failed, or shutdown ran out of time): they stay counted. */
    default void prefetchLost(long permits) {
    }
}
