package dev.ratelimit.core;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most {@code limit} requests of one identity in flight at once, across every instance sharing the
 * store. Each granted request holds a {@link Permit} under a holder id unique to it, renewed by the
 * {@link LeaseRenewer} while it runs and given back by the adapter when its response completes.
 */
public final class ConcurrencyLimiter {

    private final PermitStore store;
    private final LeaseRenewer renewer;
    private final long limit;
    private final long leaseMillis;
    private final PermitMetrics metrics;
    /** Holder ids: this limiter's random prefix and a sequence number, unique across instances. */
    private final String holderPrefix = UUID.randomUUID() + ":";
    private final AtomicLong sequence = new AtomicLong();

    public ConcurrencyLimiter(PermitStore store, LeaseRenewer renewer, long limit, long leaseMillis) {
        this(store, renewer, limit, leaseMillis, PermitMetrics.NONE);
    }

    /** @param metrics where the permits it grants count as in flight until released */
    public ConcurrencyLimiter(PermitStore store, LeaseRenewer renewer, long limit, long leaseMillis,
                              PermitMetrics metrics) {
        if (limit < 1 || leaseMillis < 1) {
            throw new IllegalArgumentException("limit and lease must be positive: " + limit + "/" + leaseMillis + "ms");
        }
        this.store = store;
        this.renewer = renewer;
        this.limit = limit;
        this.leaseMillis = leaseMillis;
        this.metrics = metrics;
    }

    /**
     * @param key the identity's key, with its hash tag
     * @throws StoreUnavailableException when the store cannot answer; the failure mode decides
     */
    public Permit acquire(String key) {
        String holder = holderPrefix + sequence.incrementAndGet();
        // Tracked before the store grants it: a permit granted is renewed even if the next tick comes at once.
        renewer.track(key, holder, leaseMillis);
        PermitDecision decision;
        try {
            decision = store.acquire(key, limit, leaseMillis, holder);
        } catch (RuntimeException e) {
            renewer.untrack(key, holder, leaseMillis);
            throw e;
        }
        if (!decision.granted()) {
            renewer.untrack(key, holder, leaseMillis);
        }
        return new Permit(decision, store, renewer, key, holder, leaseMillis, metrics);
    }

    /** Drops every holder of the identity from this limiter's store (see {@link PermitStore#dropIdentity}). */
    long dropIdentity(KeyLayout.IdentityKeys identity) {
        return store.dropIdentity(identity);
    }

    PermitStore store() {
        return store;
    }
}
