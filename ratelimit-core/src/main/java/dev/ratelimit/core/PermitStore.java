package dev.ratelimit.core;

import java.util.Collection;
import java.util.Map;

/**
 * Where the permits of the concurrency limiter live: at most {@code limit} holders per key at once. A
 * holder is one running request, named by a string unique to it; its permit lives {@code leaseMillis}
 * unless renewed, so the permits of an instance that disappears come back within one lease. Used by
 * {@code algorithm=concurrency} through {@link ConcurrencyGate}.
 */
public interface PermitStore {

    /**
     * Takes a permit for {@code holder} unless {@code limit} other holders of {@code key} are in flight.
     * Holders past their lease are dropped first, and counted in {@link PermitDecision#expiredHolders()}:
     * only acquire drops them (renew and release leave them), so each is counted once. A holder that
     * already holds a permit keeps it (its lease starts again) and is granted.
     *
     * @param key one identity's key, with its hash tag (one Redis Cluster slot)
     * @throws StoreUnavailableException when the store cannot answer in time
     */
    PermitDecision acquire(String key, long limit, long leaseMillis, String holder);

    /**
     * Gives the holder's permit back. Harmless when it was already given back or has expired.
     *
     * @return true when this call gave a permit back, false when there was none to give
     * @throws StoreUnavailableException when the store cannot answer in time
     */
    boolean release(String key, String holder);

    /**
     * Starts the lease of every listed holder again, from now. A holder that no longer holds a permit
     * (released, or dropped past its lease) is not given one back: its request now runs unlimited by it.
     *
     * @param holdersByKey the holders to renew, by key; keys of many identities in one call
     * @return how many of the listed holders still held their permit and were renewed
     * @throws StoreUnavailableException when the store cannot answer in time
     */
    int renew(Map<String, ? extends Collection<String>> holdersByKey, long leaseMillis);

    /**
     * Drops every holder of one identity, whatever its tenant, route or method: its running requests no
     * longer count, and their renewals and releases find nothing (the operator's reset).
     *
     * @return how many keys (identities' holder sets) were dropped
     * @throws StoreUnavailableException when the store cannot answer in time
     */
    long dropIdentity(KeyLayout.IdentityKeys identity);
}
