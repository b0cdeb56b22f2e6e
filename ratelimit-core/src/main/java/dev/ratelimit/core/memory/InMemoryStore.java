package dev.ratelimit.core.memory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.StoreHealth;

/**
 * Counters in this JVM's memory, with the same decisions as the Redis scripts: for development, and
 * as the {@code local} fallback while Redis is away. Limits hold per instance only. The number of keys
 * is bounded: when full, expired entries go first, then those closest to expiring.
 */
public final class InMemoryStore implements RateLimitStore {

    /** Default bound on the number of counters kept. */
    public static final int DEFAULT_MAX_ENTRIES = 100_000;

    private static final int STRIPES = 64;

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Object[] locks = new Object[STRIPES];
    private final int maxEntries;
    private final Clock clock;

    public InMemoryStore() {
        this(DEFAULT_MAX_ENTRIES, Clock.systemUTC());
    }

    public InMemoryStore(int maxEntries, Clock clock) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be positive, was " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.clock = clock;
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
    }

    @Override
    public Decision acquire(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost) {
        // All keys of one request share their base (up to the hash tag), so one stripe guards them all.
        synchronized (locks[stripe(keys.get(0))]) {
            double nowMillis = nowMicros() / 1000.0;
            return algorithm == Algorithm.FIXED_WINDOW
                    ? fixedWindow(keys, limits, cost, (long) Math.floor(nowMillis))
                    : tokenBucket(keys, limits, cost, nowMillis);
        }
    }

    private Decision fixedWindow(List<String> keys, List<Limit> limits, long cost, long now) {
        int n = keys.size();
        long[] counts = new long[n];
        long[] ttls = new long[n];
        boolean allowed = true;
        for (int i = 0; i < n; i++) {
            Entry e = live(keys.get(i), now);
            Limit limit = limits.get(i);
            counts[i] = e == null ? 0 : e.count;
            ttls[i] = e == null ? limit.windowMillis() : e.expiresAt - now;
            if (counts[i] + cost > limit.permits()) {
                allowed = false;
            }
        }
        if (allowed) {
            for (int i = 0; i < n; i++) {
                Entry e = live(keys.get(i), now);
                if (e == null) {
                    e = new Entry(now + ttls[i]);
                    put(keys.get(i), e, now);
                }
                e.count += cost;
                counts[i] = e.count;
            }
        }
        int bind = -1;
        long bindRemaining = 0;
        long bindTtl = -1;
        for (int i = 0; i < n; i++) {
            long permits = limits.get(i).permits();
            long remaining = permits - counts[i];
            boolean better = allowed
                    ? bind < 0 || remaining < bindRemaining || (remaining == bindRemaining && ttls[i] > bindTtl)
                    : counts[i] + cost > permits && (bind < 0 || ttls[i] > bindTtl);
            if (better) {
                bind = i;
                bindRemaining = remaining;
                bindTtl = ttls[i];
            }
        }
        long permits = limits.get(bind).permits();
        return allowed
                ? Decision.allowed(permits, bindRemaining, now + bindTtl, DecisionSource.MEMORY)
                : Decision.denied(permits, bindRemaining, now + bindTtl, bindTtl, DecisionSource.MEMORY);
    }

    private Decision tokenBucket(List<String> keys, List<Limit> limits, long cost, double now) {
        int n = keys.size();
        double[] tokens = new double[n];
        double[] rates = new double[n];
        boolean allowed = true;
        long nowWhole = (long) Math.floor(now);
        for (int i = 0; i < n; i++) {
            Limit limit = limits.get(i);
            rates[i] = (double) limit.permits() / limit.windowMillis();
            Entry e = live(keys.get(i), nowWhole);
            tokens[i] = e == null ? limit.permits()
                    : Math.min(limit.permits(), e.tokens + Math.max(0, now - e.at) * rates[i]);
            if (tokens[i] < cost) {
                allowed = false;
            }
        }
        if (allowed) {
            for (int i = 0; i < n; i++) {
                tokens[i] -= cost;
                long ttl = (long) Math.ceil((limits.get(i).permits() - tokens[i]) / rates[i]) + 1;
                Entry e = new Entry(nowWhole + ttl);
                e.tokens = tokens[i];
                e.at = now;
                put(keys.get(i), e, nowWhole);
            }
        }
        int bind = -1;
        long bindRemaining = 0;
        long bindFull = 0;
        long wait = 0;
        for (int i = 0; i < n; i++) {
            long remaining = (long) Math.floor(tokens[i]);
            long full = (long) Math.ceil((limits.get(i).permits() - tokens[i]) / rates[i]);
            if (allowed) {
                if (bind < 0 || remaining < bindRemaining || (remaining == bindRemaining && full > bindFull)) {
                    bind = i;
                    bindRemaining = remaining;
                    bindFull = full;
                }
            } else if (tokens[i] < cost) {
                long w = (long) Math.ceil((cost - tokens[i]) / rates[i]);
                if (bind < 0 || w > wait) {
                    bind = i;
                    bindRemaining = remaining;
                    bindFull = full;
                    wait = w;
                }
            }
        }
        long permits = limits.get(bind).permits();
        return allowed
                ? Decision.allowed(permits, bindRemaining, nowWhole + bindFull, DecisionSource.MEMORY)
                : Decision.denied(permits, bindRemaining, nowWhole + bindFull, wait, DecisionSource.MEMORY);
    }

    @Override
    public boolean remember(String key, long ttlMillis) {
        synchronized (locks[stripe(key)]) {
            long now = nowMicros() / 1000;
            if (live(key, now) != null) {
                return false;
            }
            put(key, new Entry(now + ttlMillis), now);
            return true;
        }
    }

    @Override
    public void reset(List<String> keys) {
        for (String key : keys) {
            entries.remove(key);
        }
    }

    @Override
    public List<String> keysMatching(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (String literal : pattern.split("\\*", -1)) {
            if (regex.length() > 0) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(literal));
        }
        Pattern compiled = Pattern.compile(regex.toString());
        List<String> keys = new ArrayList<>();
        for (String key : entries.keySet()) {
            if (compiled.matcher(key).matches()) {
                keys.add(key);
            }
        }
        return keys;
    }

    /** How many counters are held now, expired ones included until they are swept. */
    public int size() {
        return entries.size();
    }

    @Override
    public StoreHealth health() {
        return new StoreHealth(true, 0, "none", entries.size() + " keys");
    }

    @Override
    public String describe() {
        return "in-memory (per instance, at most " + maxEntries + " keys)";
    }

    @Override
    public void close() {
        entries.clear();
    }

    private long nowMicros() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    private Entry live(String key, long now) {
        Entry e = entries.get(key);
        if (e != null && e.expiresAt <= now) {
            entries.remove(key, e);
            return null;
        }
        return e;
    }

    private void put(String key, Entry entry, long now) {
        if (entries.size() >= maxEntries && !entries.containsKey(key)) {
            makeRoom(now);
        }
        entries.put(key, entry);
    }

    /** Sweeps expired entries; if that is not enough, drops the ones expiring soonest, down to 90 %. */
    private void makeRoom(long now) {
        entries.values().removeIf(e -> e.expiresAt <= now);
        int target = maxEntries - Math.max(1, maxEntries / 10);
        while (entries.size() > target) {
            String soonest = null;
            long soonestAt = Long.MAX_VALUE;
            Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
            for (int scanned = 0; it.hasNext() && scanned < 64; scanned++) {
                Map.Entry<String, Entry> candidate = it.next();
                if (candidate.getValue().expiresAt < soonestAt) {
                    soonestAt = candidate.getValue().expiresAt;
                    soonest = candidate.getKey();
                }
            }
            if (soonest == null) {
                return;
            }
            entries.remove(soonest);
        }
    }

    private static int stripe(String key) {
        int brace = key.indexOf('{');
        int end = key.indexOf('}', brace + 1);
        String tag = brace >= 0 && end > brace ? key.substring(0, end) : key;
        return (tag.hashCode() & 0x7fffffff) % STRIPES;
    }

    /** A fixed-window counter or a token bucket's state; only touched under its stripe's lock. */
    private static final class Entry {
        final long expiresAt;
        long count;
        double tokens;
        double at;

        Entry(long expiresAt) {
            this.expiresAt = expiresAt;
        }
    }
}
