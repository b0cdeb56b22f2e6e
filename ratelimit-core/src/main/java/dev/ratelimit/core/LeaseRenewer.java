package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the permits of this instance's running requests alive: every lease/3 it renews the lease of
 * every tracked holder of one {@link PermitStore}, all of them in one {@link PermitStore#renew} call (one
 * Redis call per cluster slot). A renewal that fails is logged and tried again at the next tick; two
 * more ticks fit in a lease before a permit runs out.
 *
 * <p>One renewer per store and application runtime. Its single daemon thread starts with the first
 * tracked holder, so a runtime without a concurrency policy starts none. The runtime that owns it
 * closes it when its last lease is given back (undeploy): {@link #close()} stops the thread and waits
 * for it, so no thread of the web application outlives it. The permits it was renewing then run out
 * within one lease, as those of an instance that disappeared.
 */
public final class LeaseRenewer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseRenewer.class);

    static final String THREAD_NAME = "ratelimit-lease-renewer";

    private final PermitStore store;
    /** Key → its tracked holders, by lease length (each lease length has its own tick). */
    private final ConcurrentMap<Long, ConcurrentMap<String, Set<String>>> byLease = new ConcurrentHashMap<>();
    private BackgroundThread ticks;
    private boolean closed;

    public LeaseRenewer(PermitStore store) {
        this.store = store;
    }

    /** Renews the holder's lease every lease/3 from now on, until {@link #untrack}. */
    public void track(String key, String holder, long leaseMillis) {
        ConcurrentMap<String, Set<String>> holders = byLease.get(leaseMillis);
        if (holders == null) {
            holders = startTicking(leaseMillis);
        }
        holders.compute(key, (k, set) -> {
            Set<String> kept = set == null ? ConcurrentHashMap.<String>newKeySet() : set;
            kept.add(holder);
            return kept;
        });
    }

    public void untrack(String key, String holder, long leaseMillis) {
        ConcurrentMap<String, Set<String>> holders = byLease.get(leaseMillis);
        if (holders != null) {
            holders.computeIfPresent(key, (k, set) -> set.remove(holder) && set.isEmpty() ? null : set);
        }
    }

    /** How many holders are renewed now. */
    public int tracked() {
        int n = 0;
        for (ConcurrentMap<String, Set<String>> holders : byLease.values()) {
            for (Set<String> set : holders.values()) {
                n += set.size();
            }
        }
        return n;
    }

    private synchronized ConcurrentMap<String, Set<String>> startTicking(long leaseMillis) {
        ConcurrentMap<String, Set<String>> holders = byLease.get(leaseMillis);
        if (holders != null) {
            return holders;
        }
        if (closed) {
            throw new IllegalStateException("The lease renewer is closed");
        }
        if (ticks == null) {
            ticks = new BackgroundThread(THREAD_NAME);
        }
        ConcurrentMap<String, Set<String>> created = new ConcurrentHashMap<>();
        byLease.put(leaseMillis, created);
        long period = Math.max(1, leaseMillis / 3);
        ticks.every(period, () -> renew(created, leaseMillis));
        return created;
    }

    private void renew(ConcurrentMap<String, Set<String>> holders, long leaseMillis) {
        Map<String, Collection<String>> snapshot = new HashMap<>();
        for (Map.Entry<String, Set<String>> entry : holders.entrySet()) {
            snapshot.put(entry.getKey(), new ArrayList<>(entry.getValue()));
        }
        if (snapshot.isEmpty()) {
            return;
        }
        try {
            store.renew(snapshot, leaseMillis);
        } catch (RuntimeException e) {
            // Not only StoreUnavailableException: whatever it is, the next tick must still run.
            LOG.warn("Could not renew the leases of {} keys; trying again in {} ms: {}", snapshot.size(),
                    Math.max(1, leaseMillis / 3), e.toString());
        }
    }

    /** Stops renewing and waits (up to 5 s) for a renewal under way to end. */
    @Override
    public void close() {
        BackgroundThread running;
        synchronized (this) {
            closed = true;
            running = ticks;
            ticks = null;
        }
        byLease.clear();
        if (running == null) {
            return;
        }
        if (!running.stop(5_000)) {
            LOG.warn("The lease renewer thread did not stop within 5 s");
        }
    }
}
