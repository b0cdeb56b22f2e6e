package dev.ratelimit.core;

/**
 * Where a concurrency policy reports its permits. Implemented in {@code dev.ratelimit.core.metrics} with
 * Dropwizard meters and an in-flight gauge; an interface here so that the gate does not depend on the
 * metrics package.
 */
public interface PermitMetrics {

    /** Records nothing: for gates and limiters built without metrics. */
    PermitMetrics NONE = new PermitMetrics() {
        @Override
        public void record(PermitDecision decision, boolean fromStoreFailure, long storeNanos) {
        }

        @Override
        public void held() {
        }

        @Override
        public void released() {
        }
    };

    /**
     * One request's permit decision, by {@link ConcurrencyGate}.
     *
     * @param fromStoreFailure the decision was made by the failure mode, the store having failed
     * @param storeNanos       the store call's duration, failed calls included
     */
    void record(PermitDecision decision, boolean fromStoreFailure, long storeNanos);

    /** A store granted a {@link Permit}: one more request of this instance in flight. */
    void held();

    /** That permit was given back (its first {@link Permit#release()}): one less in flight. */
    void released();
}
