package dev.ratelimit.core;

import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request's place among the requests of its identity in flight, handed to the adapter at acquire.
 * The adapter calls {@link #release()} when the response completes (sync, async or error); only the
 * first call gives the permit back, so every path may call it. A denied permit has nothing to release.
 */
public final class Permit {

    private static final Logger LOG = LoggerFactory.getLogger(Permit.class);

    private final PermitDecision decision;
    private final PermitStore store;
    private final LeaseRenewer renewer;
    private final String key;
    private final String holder;
    private final long leaseMillis;
    private final PermitMetrics metrics;
    private final AtomicBoolean released;

    /** A store's answer (or, without a store, the failure mode's); a granted store permit counts as held until released. */
    Permit(PermitDecision decision, PermitStore store, LeaseRenewer renewer, String key, String holder,
           long leaseMillis, PermitMetrics metrics) {
        this.decision = decision;
        this.store = store;
        this.renewer = renewer;
        this.key = key;
        this.holder = holder;
        this.leaseMillis = leaseMillis;
        this.metrics = metrics;
        boolean holds = decision.granted() && store != null;
        this.released = new AtomicBoolean(!holds);
        if (holds) {
            metrics.held();
        }
    }

    /** A request let through without a permit (failure mode open, or closed's refusal): nothing to give back. */
    static Permit without(PermitDecision decision) {
        return new Permit(decision, null, null, null, null, 0, PermitMetrics.NONE);
    }

    public PermitDecision decision() {
        return decision;
    }

    public boolean granted() {
        return decision.granted();
    }

    /** The holder id this request's permit is kept under. */
    public String holder() {
        return holder;
    }

    /**
     * Gives the permit back, the first time only. When the store cannot be reached the permit comes back
     * by itself once its lease runs out, as it is no longer renewed.
     */
    public void release() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        renewer.untrack(key, holder, leaseMillis);
        metrics.released();
        try {
            store.release(key, holder);
        } catch (StoreUnavailableException e) {
            LOG.warn("Could not give back the permit of {}; it returns within {} ms: {}", key, leaseMillis,
                    e.getMessage());
        }
    }
}
