package dev.ratelimit.core.memory;

import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.ratelimit.core.DecisionSource;
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
            Map<String, Long> holders = stripe.live(key, now);
            if (holders == null) {
                holders = new HashMap<>();
                stripe.put(key, holders, now);
            }
            if (!holders.containsKey(holder) && holders.size() >= limit) {
                return PermitDecision.denied(limit, DecisionSource.MEMORY);
            }
            holders.put(holder, now + leaseMillis);
            return PermitDecision.granted(limit, Math.max(0, limit - holders.size()), DecisionSource.MEMORY);
        }
    }

    @Override
    public boolean release(String key, String holder) {
        Stripe stripe = stripe(key);
        synchronized (stripe) {
            Map<String, Long> holders = stripe.live(key, clock.millis());
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
                Map<String, Long> holders = stripe.live(entry.getKey(), now);
                if (holders == null) {
                    continue;
                }
                for (String holder : entry.getValue()) {
                    if (holders.containsKey(holder)) {
                        holders.put(holder, now + leaseMillis);
                        renewed++;
                    }
                }
            }
        }
        return renewed;
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

        /** The identity's holders, those past their lease dropped; null when it is not kept. Counts as a use. */
        Map<String, Long> live(String key, long now) {
            Map<String, Long> holders = keys.get(key);
            if (holders != null) {
                holders.values().removeIf(deadline -> deadline <= now);
            }
            return holders;
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
                holders.values().removeIf(deadline -> deadline <= now);
                if (holders.isEmpty()) {
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
    }
}
