package dev.ratelimit.core.memory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.BindingLimit;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.Reservation;
import dev.ratelimit.core.SlidingWindowLog;
import dev.ratelimit.core.StoreHealth;
import dev.ratelimit.core.TokenBucketArithmetic;

/**
 * Counters in this JVM's memory, with the same decisions as the Redis scripts: for development, and
 * as the {@code local} fallback while Redis is away. Limits hold per instance only.
 *
 * <p>The keys are split over stripes by their hash tag (all keys of one request share it), each stripe
 * a map of its own guarded by its own lock: every read, update, reset and eviction of a key happens
 * under that key's stripe lock, so no update is lost to another thread. The bound on keys is split
 * evenly over the stripes; a full stripe makes room at once, in constant time: it drops the expired
 * entries among the few least recently used, or else the least recently used one (for a token bucket
 * also the fullest bucket, the cheapest to forget).
 */
public final class InMemoryStore implements RateLimitStore {

    /** As fixed-window-return.lua: how far a counter's end may be from the one recorded at its reservation. */
    private static final long FIXED_WINDOW_END_SLACK_MILLIS = 2;

    /** Default bound on the number of counters kept. */
    public static final int DEFAULT_MAX_ENTRIES = 100_000;

    private static final int MAX_STRIPES = 64;

    /** Small stores get fewer stripes, so that a stripe's share of the bound stays useful. */
    private static final int MIN_ENTRIES_PER_STRIPE = 1024;

    /** How many of the least recently used entries a full stripe looks at for expired ones. */
    private static final int EXPIRED_SCAN = 16;

    private final Stripe[] stripes;
    private final int maxEntries;
    private final Clock clock;

    public InMemoryStore() {
        this(DEFAULT_MAX_ENTRIES, Clock.systemUTC());
    }

    public InMemoryStore(int maxEntries, Clock clock) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be positive, was " + maxEntries);
        }
        int count = 1;
        while (count < MAX_STRIPES && (long) count * 2 * MIN_ENTRIES_PER_STRIPE <= maxEntries) {
            count *= 2;
        }
        this.stripes = new Stripe[count];
        for (int i = 0; i < count; i++) {
            stripes[i] = new Stripe(maxEntries / count);
        }
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    @Override
    public Decision acquire(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost) {
        if (algorithm == Algorithm.CONCURRENCY) {
            throw new IllegalArgumentException("concurrency is counted by a PermitStore, not a RateLimitStore");
        }
        // All keys of one request share their base (up to the hash tag), so one stripe holds them all.
        Stripe stripe = stripes[stripe(keys.get(0))];
        synchronized (stripe) {
            return acquireLocked(stripe, algorithm, keys, limits, cost, nowMicros());
        }
    }

    /** The twin of the {@code *-reserve.lua} scripts. */
    @Override
    public Reservation reserve(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost, long units,
                               long holdMillis) {
        if (algorithm == Algorithm.CONCURRENCY) {
            throw new IllegalArgumentException(algorithm + " takes no reservations");
        }
        Stripe stripe = stripes[stripe(keys.get(0))];
        synchronized (stripe) {
            long nowMicros = nowMicros();
            if (algorithm == Algorithm.TOKEN_BUCKET) {
                return reserveTokens(stripe, keys, limits, cost, units, TokenBucketArithmetic.heldMillis(holdMillis),
                        nowMicros);
            }
            long now = Math.floorDiv(nowMicros, 1000);
            int n = keys.size();
            long granted = units;
            long[] marks = new long[n];
            long hold = holdMillis;
            for (int i = 0; i < n; i++) {
                Limit limit = limits.get(i);
                Entry e = stripe.live(keys.get(i), now);
                long fit;
                if (algorithm == Algorithm.FIXED_WINDOW) {
                    long ttl = e == null ? limit.windowMillis() : e.expiresAt - now;
                    marks[i] = now + ttl;
                    hold = Math.min(hold, ttl);
                    fit = (limit.permits() - (e == null ? 0 : e.count)) / cost;
                } else {
                    fit = (limit.permits() - (e == null ? 0 : e.log.countAfter(now - limit.windowMillis()))) / cost;
                }
                granted = Math.min(granted, Math.max(0, fit));
            }
            if (granted == 0) {
                return new Reservation(0, acquireLocked(stripe, algorithm, keys, limits, cost, nowMicros), marks, hold);
            }
            if (algorithm == Algorithm.SLIDING_WINDOW) {
                return reserveLogged(stripe, keys, limits, cost, granted, holdMillis, now, marks);
            }
            // Counted as one request of every granted request's permits: the twin of the script's INCRBY.
            return new Reservation(granted, fixedWindow(stripe, keys, limits, granted * cost, now), marks, hold);
        }
    }

    /**
     * The twin of {@code token-bucket-reserve.lua}: held tokens counted from the hold's end on, granted when
     * they fit checked now; one request held 0 when none would fit so.
     */
    private Reservation reserveTokens(Stripe stripe, List<String> keys, List<Limit> limits, long cost, long units,
                                      long holdMillis, long now) {
        int n = keys.size();
        long nowMillis = Math.floorDiv(now, 1000);
        long[] full = new long[n];
        long[] costs = new long[n];
        boolean single = true;
        for (int i = 0; i < n; i++) {
            Entry e = stripe.live(keys.get(i), nowMillis);
            full[i] = e == null ? now : Math.max(now, e.fullAtMicros);
            costs[i] = TokenBucketArithmetic.costMicros(limits.get(i), cost);
            if (full[i] - now + costs[i] > TokenBucketArithmetic.windowMicros(limits.get(i))) {
                single = false;
            }
        }
        long held = holdMillis;
        long granted = units;
        for (int i = 0; i < n; i++) {
            long debt = Math.max(full[i], now + held * 1000) - now;
            granted = Math.min(granted, Math.max(0, (TokenBucketArithmetic.windowMicros(limits.get(i)) - debt) / costs[i]));
        }
        if (granted == 0 && single) {
            granted = 1;
            held = 0;
        }
        if (granted == 0) {
            held = 0;
        }
        long[] debts = new long[n];
        for (int i = 0; i < n; i++) {
            if (granted > 0) {
                full[i] = Math.max(full[i], now + held * 1000) + granted * costs[i];
                // As the script's PX: the entry outlives the debt by a millisecond, then the bucket is full.
                Entry e = new Entry(nowMillis + TokenBucketArithmetic.ceilMillis(full[i] - now) + 1);
                e.fullAtMicros = full[i];
                stripe.put(keys.get(i), e, nowMillis);
            }
            debts[i] = full[i] - now;
        }
        Decision decision = TokenBucketArithmetic.decide(limits, costs, debts, granted > 0, now, DecisionSource.MEMORY);
        return new Reservation(granted, decision, TokenBucketArithmetic.reservationTops(now, held, granted, costs), held);
    }

    /** Logs the granted permits at now + hold, never before the newest entry (as {@code sliding-window-reserve.lua}). */
    private Reservation reserveLogged(Stripe stripe, List<String> keys, List<Limit> limits, long cost, long granted,
                                      long holdMillis, long now, long[] marks) {
        int n = keys.size();
        long[] counts = new long[n];
        long[] resets = new long[n];
        for (int i = 0; i < n; i++) {
            long window = limits.get(i).windowMillis();
            Entry e = stripe.live(keys.get(i), now);
            TimeLog log = e == null ? new TimeLog() : e.log;
            while (log.size() > 0 && log.get(0) + window <= now) {
                log.removeOldest();
            }
            long stamp = now + holdMillis;
            if (log.size() > 0) {
                stamp = Math.max(stamp, log.get(log.size() - 1));
            }
            log.add(stamp, granted * cost);
            Entry kept = new Entry(Math.max(stamp + window, e == null ? 0 : e.expiresAt));
            kept.log = log;
            stripe.put(keys.get(i), kept, now);
            marks[i] = stamp;
            counts[i] = log.size();
            resets[i] = log.get(0) + window - now;
        }
        Decision taken = SlidingWindowLog.decide(limits, counts, resets, new long[n], true, now, DecisionSource.MEMORY);
        return new Reservation(granted, taken, marks, holdMillis);
    }

    /** The twin of the {@code *-return.lua} scripts. */
    @Override
    public void giveBack(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost,
                         Reservation reservation, long units) {
        if (units <= 0) {
            return;
        }
        Stripe stripe = stripes[stripe(keys.get(0))];
        synchronized (stripe) {
            long nowMicros = nowMicros();
            long now = Math.floorDiv(nowMicros, 1000);
            for (int i = 0; i < keys.size(); i++) {
                Limit limit = limits.get(i);
                Entry e = stripe.live(keys.get(i), now);
                if (e == null) {
                    continue;
                }
                if (algorithm == Algorithm.FIXED_WINDOW) {
                    // Still the counter the permits were counted in: it ends when it did then (a later window, or a
                    // counter started again after a reset, ends at another time and owes them nothing).
                    if (Math.abs(e.expiresAt - reservation.mark(i)) <= FIXED_WINDOW_END_SLACK_MILLIS) {
                        e.count -= Math.min(e.count, units * cost);
                    }
                } else if (algorithm == Algorithm.SLIDING_WINDOW) {
                    e.log.removeNewest(reservation.mark(i), units * cost);
                } else if (algorithm == Algorithm.TOKEN_BUCKET) {
                    // As token-bucket-return.lua, which says why.
                    long top = reservation.mark(i);
                    long back = units * TokenBucketArithmetic.costMicros(limit, cost);
                    if (e.fullAtMicros > top) {
                        back = Math.min(back, top - (nowMicros + TokenBucketArithmetic.LONGEST_HOLD_MILLIS * 1000));
                    }
                    if (e.fullAtMicros < top || e.fullAtMicros <= nowMicros || back <= 0) {
                        continue;
                    }
                    long fullAt = e.fullAtMicros - back;
                    if (fullAt <= nowMicros) {
                        stripe.entries.remove(keys.get(i));
                    } else {
                        Entry kept = new Entry(now + TokenBucketArithmetic.ceilMillis(fullAt - nowMicros) + 1);
                        kept.fullAtMicros = fullAt;
                        stripe.put(keys.get(i), kept, now);
                    }
                }
            }
        }
    }

    private Decision acquireLocked(Stripe stripe, Algorithm algorithm, List<String> keys, List<Limit> limits,
                                   long cost, long nowMicros) {
        if (algorithm == Algorithm.FIXED_WINDOW) {
            return fixedWindow(stripe, keys, limits, cost, Math.floorDiv(nowMicros, 1000));
        }
        if (algorithm == Algorithm.SLIDING_WINDOW) {
            return slidingWindow(stripe, keys, limits, cost, Math.floorDiv(nowMicros, 1000));
        }
        return tokenBucket(stripe, keys, limits, cost, nowMicros);
    }

    private Decision fixedWindow(Stripe stripe, List<String> keys, List<Limit> limits, long cost, long now) {
        int n = keys.size();
        long[] counts = new long[n];
        long[] ttls = new long[n];
        boolean allowed = true;
        for (int i = 0; i < n; i++) {
            Entry e = stripe.live(keys.get(i), now);
            Limit limit = limits.get(i);
            counts[i] = e == null ? 0 : e.count;
            ttls[i] = e == null ? limit.windowMillis() : e.expiresAt - now;
            if (counts[i] + cost > limit.permits()) {
                allowed = false;
            }
        }
        if (allowed) {
            for (int i = 0; i < n; i++) {
                Entry e = stripe.live(keys.get(i), now);
                if (e == null) {
                    e = new Entry(now + ttls[i]);
                    stripe.put(keys.get(i), e, now);
                }
                e.count += cost;
                counts[i] = e.count;
            }
        }
        long[] remaining = new long[n];
        long[] waits = new long[n];
        for (int i = 0; i < n; i++) {
            long permits = limits.get(i).permits();
            remaining[i] = permits - counts[i];
            // A window that lacks permits makes the client wait until it ends.
            waits[i] = counts[i] + cost > permits ? ttls[i] : 0;
        }
        int bind = BindingLimit.index(allowed, remaining, ttls, waits);
        long permits = limits.get(bind).permits();
        return allowed
                ? Decision.allowed(permits, remaining[bind], now + ttls[bind], DecisionSource.MEMORY, bind, ttls[bind], null)
                : Decision.denied(permits, remaining[bind], now + ttls[bind], ttls[bind], DecisionSource.MEMORY, bind, ttls[bind], null);
    }

    /** The twin of {@code sliding-window.lua}: a log of the permits' times per limit, see {@link SlidingWindowLog}. */
    private Decision slidingWindow(Stripe stripe, List<String> keys, List<Limit> limits, long cost, long now) {
        int n = keys.size();
        TimeLog[] logs = new TimeLog[n];
        long[] counts = new long[n];
        boolean allowed = true;
        for (int i = 0; i < n; i++) {
            Entry e = stripe.live(keys.get(i), now);
            logs[i] = e == null ? new TimeLog() : e.log;
            long window = limits.get(i).windowMillis();
            while (logs[i].size() > 0 && logs[i].get(0) + window <= now) {
                logs[i].removeOldest();
            }
            counts[i] = logs[i].size();
            if (counts[i] + cost > limits.get(i).permits()) {
                allowed = false;
            }
        }
        long[] resets = new long[n];
        long[] waits = new long[n];
        for (int i = 0; i < n; i++) {
            long window = limits.get(i).windowMillis();
            if (allowed) {
                logs[i].add(now, cost);
                counts[i] += cost;
                // As the script's PEXPIRE: the entry lives as long as its newest permit counts.
                Entry e = new Entry(now + window);
                e.log = logs[i];
                stripe.put(keys.get(i), e, now);
            } else if (counts[i] + cost > limits.get(i).permits()) {
                waits[i] = logs[i].get((int) (counts[i] + cost - limits.get(i).permits() - 1)) + window - now;
            }
            resets[i] = counts[i] > 0 ? logs[i].get(0) + window - now : 0;
        }
        return SlidingWindowLog.decide(limits, counts, resets, waits, allowed, now, DecisionSource.MEMORY);
    }

    /** The twin of {@code token-bucket.lua}: the same integers, see {@link TokenBucketArithmetic}. */
    private Decision tokenBucket(Stripe stripe, List<String> keys, List<Limit> limits, long cost, long now) {
        int n = keys.size();
        long[] costs = new long[n];
        long[] debts = new long[n];
        boolean allowed = true;
        long nowMillis = Math.floorDiv(now, 1000);
        for (int i = 0; i < n; i++) {
            Entry e = stripe.live(keys.get(i), nowMillis);
            costs[i] = TokenBucketArithmetic.costMicros(limits.get(i), cost);
            debts[i] = e == null ? 0 : Math.max(0, e.fullAtMicros - now);
            if (debts[i] + costs[i] > TokenBucketArithmetic.windowMicros(limits.get(i))) {
                allowed = false;
            }
        }
        if (allowed) {
            for (int i = 0; i < n; i++) {
                debts[i] += costs[i];
                // As the script's PX: the entry outlives the debt by a millisecond, then the bucket is full.
                Entry e = new Entry(nowMillis + TokenBucketArithmetic.ceilMillis(debts[i]) + 1);
                e.fullAtMicros = now + debts[i];
                stripe.put(keys.get(i), e, nowMillis);
            }
        }
        return TokenBucketArithmetic.decide(limits, costs, debts, allowed, now, DecisionSource.MEMORY);
    }

    @Override
    public boolean remember(String key, long ttlMillis) {
        Stripe stripe = stripes[stripe(key)];
        synchronized (stripe) {
            long now = Math.floorDiv(nowMicros(), 1000);
            if (stripe.live(key, now) != null) {
                return false;
            }
            stripe.put(key, new Entry(now + ttlMillis), now);
            return true;
        }
    }

    @Override
    public void reset(List<String> keys) {
        for (String key : keys) {
            Stripe stripe = stripes[stripe(key)];
            synchronized (stripe) {
                stripe.entries.remove(key);
            }
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
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                for (String key : stripe.entries.keySet()) {
                    if (compiled.matcher(key).matches()) {
                        keys.add(key);
                    }
                }
            }
        }
        return keys;
    }

    /** How many counters are held now, expired ones included until they are dropped. */
    public int size() {
        int size = 0;
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                size += stripe.entries.size();
            }
        }
        return size;
    }

    @Override
    public StoreHealth health() {
        return new StoreHealth(true, 0, "none", size() + " keys");
    }

    @Override
    public String describe() {
        return "in-memory (per instance, at most " + maxEntries + " keys)";
    }

    @Override
    public void close() {
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                stripe.entries.clear();
            }
        }
    }

    private long nowMicros() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** The stripe of a key: the hash of its base up to the hash tag's end. */
    int stripe(String key) {
        int brace = key.indexOf('{');
        int end = key.indexOf('}', brace + 1);
        String tag = brace >= 0 && end > brace ? key.substring(0, end) : key;
        int h = tag.hashCode();
        return (h ^ (h >>> 16)) & (stripes.length - 1);
    }

    /** One share of the keys, in least-recently-used order; only touched under its own lock. */
    private static final class Stripe {
        final Map<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
        final int capacity;

        Stripe(int capacity) {
            this.capacity = capacity;
        }

        /** The entry under key unless it has expired (an expired one is dropped); counts as a use. */
        Entry live(String key, long now) {
            Entry e = entries.get(key);
            if (e != null && e.expiresAt <= now) {
                entries.remove(key);
                return null;
            }
            return e;
        }

        void put(String key, Entry entry, long now) {
            if (entries.size() >= capacity && !entries.containsKey(key)) {
                makeRoom(now);
            }
            entries.put(key, entry);
        }

        /** Drops the expired entries among the least recently used few, or else the least recently used one. */
        private void makeRoom(long now) {
            boolean dropped = false;
            Iterator<Entry> oldest = entries.values().iterator();
            for (int looked = 0; looked < EXPIRED_SCAN && oldest.hasNext(); looked++) {
                if (oldest.next().expiresAt <= now) {
                    oldest.remove();
                    dropped = true;
                }
            }
            if (!dropped) {
                Iterator<Entry> first = entries.values().iterator();
                first.next();
                first.remove();
            }
        }
    }

    /** A fixed-window counter, a token bucket's state, a sliding window's log or a remembered key; only touched under its stripe's lock. */
    private static final class Entry {
        final long expiresAt;
        long count;
        /** Token bucket: the time (µs) at which the bucket is full again. */
        long fullAtMicros;
        /** Sliding window: the times of the permits counted. */
        TimeLog log;

        Entry(long expiresAt) {
            this.expiresAt = expiresAt;
        }
    }
}
