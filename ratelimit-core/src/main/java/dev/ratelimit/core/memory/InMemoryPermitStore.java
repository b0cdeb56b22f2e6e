package dev.ratelimit.core.memory;

import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.KeyLayout;
import dev.ratelimit.core.PermitDecision;
import dev.ratelimit.core.PermitStore;

/**
 * Concurrency permits in this JVM's memory, with the same decisions as the Redis scripts
 * ({@code permit-acquire.lua}): the limit holds per instance only. Keys are split over stripes by their
 * hash, each a map of its own under its own lock. The bound on keys is split evenly over the stripes; a
 * full stripe drops the identities without a live holder among its least recently used few, or else the
 * least recently used identity (whose running requests then no longer count: the bound wins).
 */
public final class InMemoryPermitStore implements PermitStore {

    /** Default bound on the number of identities kept. */
    public static final int DEFAULT_MAX_KEYS = 100_000;

    private static final int STRIPES = 16;

    /** How many of the least recently used identities a full stripe looks at for ones without holders. */
    private static final int IDLE_SCAN = 16;

    private final Stripe[] stripes;
    private final Clock clock;

    public InMemoryPermitStore() {
        this(DEFAULT_MAX_KEYS, Clock.systemUTC());
    }

    public InMemoryPermitStore(int maxKeys, Clock clock) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be positive, was " + maxKeys);
        }
        int count = maxKeys < STRIPES ? 1 : STRIPES;
        this.stripes = new Stripe[count];
        for (int i = 0; i < count; i++) {
            stripes[i] = new Stripe(maxKeys / count);
        }
        this.clock = clock;
    }

    @Override
    public PermitDecision acquire(String key, long limit, long leaseMillis, String holder) {
        Stripe stripe = stripe(key);
        synchronized (stripe) {
            long now = clock.millis();
            Map<String, Long> holders = stripe.keys.get(key);
            int expired = 0;
            if (holders == null) {
                holders = new HashMap<>();
                stripe.put(key, holders, now);
            } else {
                expired = dropExpired(holders, now);
            }
            if (!holders.containsKey(holder) && holders.size() >= limit) {
                return PermitDecision.denied(limit, DecisionSource.MEMORY).withExpiredHolders(expired);
            }
            holders.put(holder, now + leaseMillis);
            return PermitDecision.granted(limit, Math.max(0, limit - holders.size()), DecisionSource.MEMORY)
                    .withExpiredHolders(expired);
        }
    }

    @Override
    public boolean release(String key, String holder) {
        Stripe stripe = stripe(key);
        synchronized (stripe) {
            Map<String, Long> holders = stripe.keys.get(key);
            return holders != null && holders.remove(holder) != null;
        }
    }

    @Override
    public int renew(Map<String, ? extends Collection<String>> holdersByKey, long leaseMillis) {
        int renewed = 0;
        for (Map.Entry<String, ? extends Collection<String>> entry : holdersByKey.entrySet()) {
            Stripe stripe = stripe(entry.getKey());
            synchronized (stripe) {
                long now = clock.millis();
                Map<String, Long> holders = stripe.keys.get(entry.getKey());
                if (holders == null) {
                    continue;
                }
                for (String holder : entry.getValue()) {
                    Long deadline = holders.get(holder);
                    if (deadline != null && deadline > now) {
                        holders.put(holder, now + leaseMillis);
                        renewed++;
                    }
                }
            }
        }
        return renewed;
    }

    @Override
    public long dropIdentity(KeyLayout.IdentityKeys identity) {
        long dropped = 0;
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                Iterator<String> keys = stripe.keys.keySet().iterator();
                while (keys.hasNext()) {
                    if (identity.matches(keys.next())) {
                        keys.remove();
                        dropped++;
                    }
                }
            }
        }
        return dropped;
    }

    /** How many identities are held now, those without live holders included until they are dropped. */
    public int size() {
        int size = 0;
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                size += stripe.keys.size();
            }
        }
        return size;
    }

    /**
     * Drops the holders past their lease: only acquire does, as {@code permit-acquire.lua}, so each expired
     * holder is counted once (renew and release leave them).
     */
    private static int dropExpired(Map<String, Long> holders, long now) {
        int before = holders.size();
        holders.values().removeIf(deadline -> deadline <= now);
        return before - holders.size();
    }

    private Stripe stripe(String key) {
        int h = key.hashCode();
        return stripes[((h ^ (h >>> 16)) & Integer.MAX_VALUE) % stripes.length];
    }

    /** One share of the identities, in least-recently-used order; only touched under its own lock. */
    private static final class Stripe {
        /** Holder → lease deadline (ms), by identity. */
        final LinkedHashMap<String, Map<String, Long>> keys = new LinkedHashMap<>(16, 0.75f, true);
        final int capacity;

        Stripe(int capacity) {
            this.capacity = Math.max(1, capacity);
        }

        void put(String key, Map<String, Long> holders, long now) {
            if (keys.size() >= capacity) {
                makeRoom(now);
            }
            keys.put(key, holders);
        }

        private void makeRoom(long now) {
            boolean dropped = false;
            Iterator<Map<String, Long>> oldest = keys.values().iterator();
            for (int looked = 0; looked < IDLE_SCAN && oldest.hasNext(); looked++) {
                Map<String, Long> holders = oldest.next();
                if (!hasLive(holders, now)) {
                    oldest.remove();
                    dropped = true;
                }
            }
            if (!dropped) {
                Iterator<Map<String, Long>> first = keys.values().iterator();
                first.next();
                first.remove();
            }
        }

        /** Whether any holder is within its lease; expired ones are left for acquire to drop and count. */
        private static boolean hasLive(Map<String, Long> holders, long now) {
            for (long deadline : holders.values()) {
                if (deadline > now) {
                    return true;
                }
            }
            return false;
        }
    }
}
