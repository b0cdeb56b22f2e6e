package dev.ratelimit.core;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One limiter's permits reserved in advance ({@code prefetch}): per identity (its first key), a lease of
 * requests taken from the store in one call ({@link RateLimitStore#reserve}) and spent here without a store
 * call. Nothing is admitted that the store did not count first, so limits hold across instances.
 *
 * <p>Sizing, as TCP's slow start: an identity's first reservation takes one request; the next takes twice
 * as many when the last lease was spent within its hold, up to {@link Policy#prefetchUnits()}, and half as
 * many after a lease came back unspent. A quiet identity so holds a few permits at most, a hot one up to
 * {@code prefetch}.
 *
 * <p>A lease is spent only within {@link #HOLD_MILLIS} of its reservation (and, for a fixed window, before
 * the window it was counted in ends), measured on this JVM's monotonic clock from before the store call
 * was sent, less {@link #SAFETY_MILLIS}. What is left is given back ({@link RateLimitStore#giveBack}) by
 * {@link #sweep} (run by a {@link PrefetchSweeper}, never on a request's thread) once the identity's next
 * request found the lease ended or the identity has been quiet for {@link #QUIET_MILLIS}, and at shutdown
 * ({@link #returnAll}). A give-back that fails loses those permits (stricter: they stay counted).
 *
 * <p>Spending is lock-free (one compare-and-set); a reservation holds the identity's lock, so the other
 * requests of that identity wait for it (at most {@link #LOCK_WAIT_MILLIS}, then they ask the store for
 * themselves) instead of each calling the store. At most {@link #MAX_IDENTITIES} identities hold leases;
 * beyond that, requests of new identities are counted one by one, so no client can grow this table.
 */
public final class PrefetchLeases {

    /** How long reserved permits may be held before they are spent. */
    public static final long HOLD_MILLIS = 1_000;
    /** An identity without requests for this long gives its unspent permits back. */
    public static final long QUIET_MILLIS = 1_000;
    /** Identities that hold leases, at most. */
    public static final int MAX_IDENTITIES = 10_000;
    /** How long a request waits for another request's reservation of the same identity. */
    static final long LOCK_WAIT_MILLIS = 50;
    /** Taken off every lease's end: a spend checked just before the end may complete just after it. */
    static final long SAFETY_MILLIS = 20;
    /** An identity quiet this long, without a lease, is forgotten (its size starts again at one). */
    static final long FORGET_MILLIS = 10_000;
    private static final long FAILURE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static final Logger LOG = LoggerFactory.getLogger(PrefetchLeases.class);

    private final RateLimitStore store;
    private final PolicyMetrics metrics;
    private final Map<String, Identity> identities = new ConcurrentHashMap<>();
    private final AtomicLong lastFailureLog = new AtomicLong(System.nanoTime() - FAILURE_LOG_INTERVAL_NANOS);
    private final AtomicLong lostSinceLog = new AtomicLong();
    /** Unspent requests of ended leases, given back by the next {@link #sweep} (or {@link #returnAll}). */
    private final Queue<Returned> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();

    public PrefetchLeases(RateLimitStore store, PolicyMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /**
     * A request of {@code key}'s identity admitted from its lease under {@code policy}, without a store call;
     * null when the identity holds no live lease under that policy.
     */
    Decision spend(String key, Policy policy, long nowNanos) {
        Identity identity = identities.get(key);
        if (identity == null) {
            return null;
        }
        identity.lastUsedNanos = nowNanos;
        Lease lease = identity.lease;
        return lease == null ? null : lease.spend(policy, nowNanos);
    }

    /**
     * Reserves for the request's identity, spends one request of the reservation and keeps the rest; or
     * spends from a lease another request of the identity reserved meanwhile.
     *
     * @param sentAt this JVM's monotonic time before any store call for the request
     * @throws StoreUnavailableException when the store cannot answer: the failure mode decides
     */
    Decision reserve(Policy policy, List<String> keys, long sentAt) {
        String key = keys.get(0);
        Identity identity = identities.get(key);
        if (identity == null) {
            if (identities.size() >= MAX_IDENTITIES) {
                return spendAtOnce(policy, keys);
            }
            identity = identities.computeIfAbsent(key, k -> new Identity());
        }
        boolean locked;
        try {
            locked = identity.lock.tryLock(LOCK_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            locked = false;
        }
        if (!locked) {
            return spendAtOnce(policy, keys);
        }
        try {
            if (identity.forgotten) {
                return spendAtOnce(policy, keys);
            }
            long now = System.nanoTime();
            identity.lastUsedNanos = now;
            Decision denial = identity.denial;
            if (denial != null && denial.policy() == policy && identity.deniedAtNanos - sentAt >= 0) {
                // Denied by a reservation sent after this request arrived: the answer it would get now (its
                // Retry-After counted from that reservation, at most the lock wait too long).
                return denial;
            }
            Lease lease = identity.lease;
            if (lease != null) {
                Decision spent = lease.spend(policy, now);
                if (spent != null) {
                    return spent;
                }
                identity.lease = null;
                long left = lease.close();
                if (left > 0) {
                    identity.size = Math.max(1, identity.size / 2);
                    giveBackLater(lease, left);
                } else if (now - lease.validUntilNanos < 0) {
                    identity.size = grown(identity.size, policy);
                }
            } else if (now - identity.lastValidUntilNanos < 0) {
                identity.size = grown(identity.size, policy);
            }
            long units = Math.min(identity.size, policy.prefetchUnits());
            Reservation reservation = store.reserve(policy.algorithm(), keys, policy.limits(), policy.cost(), units,
                    units > 1 ? HOLD_MILLIS : 0);
            long validUntil = sentAt + TimeUnit.MILLISECONDS.toNanos(
                    Math.min(reservation.holdMillis(), HOLD_MILLIS) - SAFETY_MILLIS);
            identity.lastValidUntilNanos = sentAt + TimeUnit.MILLISECONDS.toNanos(HOLD_MILLIS);
            if (reservation.units() == 0) {
                identity.denial = reservation.decision().decidedBy(policy);
                identity.deniedAtNanos = sentAt;
                return reservation.decision();
            }
            identity.denial = null;
            metrics.prefetchReserved(reservation.units() * policy.cost());
            // The first request is this one, admitted now whatever the lease's end.
            Lease taken = new Lease(policy, keys, reservation, sentAt, validUntil);
            Decision first = taken.decision(taken.left(), sentAt);
            if (taken.left() > 0) {
                if (now - validUntil < 0) {
                    identity.lease = taken;
                } else {
                    // The window ends before the permits could be spent: give them back now, while it lasts.
                    giveBackLater(taken, taken.close());
                }
            }
            return first;
        } finally {
            identity.lock.unlock();
        }
    }

    /** One request counted by itself, through the reservation script (which keeps a sliding window's log in order). */
    private Decision spendAtOnce(Policy policy, List<String> keys) {
        Reservation one = store.reserve(policy.algorithm(), keys, policy.limits(), policy.cost(), 1, 0);
        return one.decision();
    }

    private static int grown(int size, Policy policy) {
        return (int) Math.min((long) size * 2, policy.prefetchUnits());
    }

    /**
     * Gives back the leases of identities quiet for {@link #QUIET_MILLIS} and the leases past their end, and
     * forgets identities quiet for long; an identity busy reserving is left for the next sweep.
     */
    public void sweep() {
        for (Returned r; (r = pending.poll()) != null; ) {
            pendingCount.decrementAndGet();
            giveBack(r.lease, r.units);
        }
        long now = System.nanoTime();
        for (Map.Entry<String, Identity> entry : identities.entrySet()) {
            Identity identity = entry.getValue();
            Lease lease = identity.lease;
            boolean quiet = now - identity.lastUsedNanos > TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS);
            boolean forget = lease == null && now - identity.lastUsedNanos > TimeUnit.MILLISECONDS.toNanos(FORGET_MILLIS);
            if (!forget && (lease == null || !(quiet || now - lease.validUntilNanos >= 0))) {
                continue;
            }
            if (!identity.lock.tryLock()) {
                continue;
            }
            Lease held = identity.lease;
            long left = 0;
            try {
                if (held != null) {
                    identity.lease = null;
                    left = held.close();
                    if (left > 0) {
                        identity.size = Math.max(1, identity.size / 2);
                    }
                } else if (forget) {
                    identity.forgotten = true;
                    identities.remove(entry.getKey(), identity);
                }
            } finally {
                identity.lock.unlock();
            }
            // Outside the lock: the identity's requests do not wait for this store call.
            if (left > 0) {
                giveBack(held, left);
            }
        }
    }

    /**
     * Gives back every unspent permit (shutdown), within {@code budgetMillis}: what is left after it stays
     * counted until its window ends, as if this instance had died.
     */
    public void returnAll(long budgetMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
        long unreturned = 0;
        for (Returned r; (r = pending.poll()) != null; ) {
            pendingCount.decrementAndGet();
            if (deadline - System.nanoTime() > 0) {
                giveBack(r.lease, r.units);
            } else {
                unreturned += r.units * r.lease.policy.cost();
            }
        }
        for (Identity identity : identities.values()) {
            Lease lease = identity.lease;
            if (lease == null) {
                continue;
            }
            long budgetLeft = deadline - System.nanoTime();
            boolean locked;
            try {
                locked = budgetLeft > 0 && identity.lock.tryLock(
                        Math.min(budgetLeft, TimeUnit.MILLISECONDS.toNanos(LOCK_WAIT_MILLIS)), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                locked = false;
            }
            if (!locked) {
                unreturned += lease.left() * lease.policy.cost();
                continue;
            }
            Lease held = identity.lease;
            long left = 0;
            try {
                if (held != null) {
                    identity.lease = null;
                    left = held.close();
                }
            } finally {
                identity.lock.unlock();
            }
            if (left > 0) {
                giveBack(held, left);
            }
        }
        identities.clear();
        if (unreturned > 0) {
            metrics.prefetchLost(unreturned);
            LOG.warn("{} reserved permit(s) could not be given back within {} ms at shutdown; they stay counted"
                    + " until their windows end", unreturned, budgetMillis);
        }
    }

    /**
     * Drops every lease without giving it back: the counters were reset, and the permits held were
     * counted under the old ones.
     */
    void dropAll() {
        for (Identity identity : identities.values()) {
            Lease lease = identity.lease;
            if (lease != null) {
                lease.close();
            }
        }
        identities.clear();
    }

    /** As {@link #dropAll()}, for one identity. */
    void drop(String key) {
        Identity identity = identities.remove(key);
        if (identity != null && identity.lease != null) {
            identity.lease.close();
        }
    }

    /** Requests this instance holds reserved now, over every identity (tests, status). */
    public long held() {
        long held = 0;
        for (Identity identity : identities.values()) {
            Lease lease = identity.lease;
            held += lease == null ? 0 : lease.left();
        }
        return held;
    }

    /** Identities with a lease or a size remembered (tests: bounded). */
    public int identities() {
        return identities.size();
    }

    /**
     * Leaves the return to the sweeper: a request never waits for a give-back besides its own store call,
     * so a Redis that fails holds it no longer than without prefetch. At most {@link #MAX_IDENTITIES} wait;
     * beyond that (no sweeper runs), the permits are lost (stricter) and counted.
     */
    private void giveBackLater(Lease lease, long units) {
        if (units <= 0) {
            return;
        }
        if (pendingCount.incrementAndGet() > MAX_IDENTITIES) {
            pendingCount.decrementAndGet();
            metrics.prefetchLost(units * lease.policy.cost());
            return;
        }
        pending.add(new Returned(lease, units));
    }

    /** Requests waiting to be given back (tests). */
    int pendingReturns() {
        return pendingCount.get();
    }

    private void giveBack(Lease lease, long units) {
        if (units <= 0) {
            return;
        }
        long permits = units * lease.policy.cost();
        try {
            store.giveBack(lease.policy.algorithm(), lease.keys, lease.policy.limits(), lease.policy.cost(),
                    lease.reservation, units);
            metrics.prefetchReturned(permits);
        } catch (StoreUnavailableException e) {
            metrics.prefetchLost(permits);
            long lost = lostSinceLog.addAndGet(permits);
            long now = System.nanoTime();
            long last = lastFailureLog.get();
            if (now - last >= FAILURE_LOG_INTERVAL_NANOS && lastFailureLog.compareAndSet(last, now)) {
                lostSinceLog.set(0);
                LOG.warn("Could not give {} reserved permit(s) back to {} (policy {}); they stay counted until their"
                        + " windows end: {}", lost, store.describe(), lease.policy.name(), e.getMessage());
            }
        }
    }

    /** Unspent requests of a lease, to be given back. */
    private static final class Returned {
        final Lease lease;
        final long units;

        Returned(Lease lease, long units) {
            this.lease = lease;
            this.units = units;
        }
    }

    /** One identity: its lease, if any, and the size of its next reservation. */
    private static final class Identity {
        final ReentrantLock lock = new ReentrantLock();
        volatile Lease lease;
        volatile long lastUsedNanos = System.nanoTime();
        /** Guarded by {@link #lock}. */
        int size = 1;
        long lastValidUntilNanos;
        boolean forgotten;
        /** The last reservation's denial (made under its policy) and when it was sent; null after a grant. */
        Decision denial;
        long deniedAtNanos;
    }

    /** Requests reserved in one store call (the first spent by the request that reserved them), spent one by one until none is left or the lease ends. */
    private static final class Lease {
        final Policy policy;
        final List<String> keys;
        final Reservation reservation;
        final long takenAtNanos;
        final long validUntilNanos;
        private final AtomicLong left;

        Lease(Policy policy, List<String> keys, Reservation reservation, long takenAtNanos, long validUntilNanos) {
            this.policy = policy;
            this.keys = keys;
            this.reservation = reservation;
            this.takenAtNanos = takenAtNanos;
            this.validUntilNanos = validUntilNanos;
            this.left = new AtomicLong(reservation.units() - 1);
        }

        /**
         * One request's permits, or null when none is left, the lease has ended, or it was taken under
         * another policy. Remaining is the store's after the reservation plus what this lease still holds.
         */
        Decision spend(Policy current, long nowNanos) {
            if (current != policy || nowNanos - validUntilNanos >= 0) {
                return null;
            }
            for (long n = left.get(); n > 0; n = left.get()) {
                if (left.compareAndSet(n, n - 1)) {
                    return decision(n - 1, nowNanos);
                }
            }
            return null;
        }

        Decision decision(long stillHeld, long nowNanos) {
            Decision reserved = reservation.decision();
            long elapsed = TimeUnit.NANOSECONDS.toMillis(nowNanos - takenAtNanos);
            Decision d = Decision.allowed(reserved.limit(), reserved.remaining() + stillHeld * policy.cost(),
                    reserved.resetAtMillis(), reserved.source());
            return reserved.limitIndex() < 0 ? d
                    : d.boundBy(reserved.limitIndex(), Math.max(0, reserved.resetAfterMillis() - elapsed));
        }

        long left() {
            return left.get();
        }

        /** Ends the lease: no request spends from it any more. @return the requests left unspent */
        long close() {
            return left.getAndSet(0);
        }
    }
}
