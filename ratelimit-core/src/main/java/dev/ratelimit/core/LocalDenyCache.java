package dev.ratelimit.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers, per key, that Redis denied it until some time, and denies again locally until then
 * without a round trip. Exact for both algorithms: a denial consumes nothing and allowed requests only
 * take permits, so nothing can admit the key before its retry-after has passed (only a reset or a
 * changed limit can, and both clear the cache). The deadline is measured on this JVM's monotonic clock
 * from before the Redis call was sent, so it never lies after Redis' own: clock offsets between the
 * JVM and Redis do not matter, and at worst a request one round trip early is sent to Redis.
 */
final class LocalDenyCache {

    /** Bound on remembered keys; when full and nothing has expired, new denials are simply not cached. */
    static final int MAX_ENTRIES = 10_000;

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** The cached denial with its retry-after brought up to date, or null. */
    Decision get(String key, long nowNanos) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        long leftNanos = entry.untilNanos - nowNanos;
        if (leftNanos <= 0) {
            entries.remove(key, entry);
            return null;
        }
        Decision d = entry.decision;
        return Decision.denied(d.limit(), d.remaining(), d.resetAtMillis(), (leftNanos + 999_999) / 1_000_000, d.source());
    }

    /** @param sentAtNanos {@link System#nanoTime()} taken before the store was asked */
    void put(String key, Decision denial, long sentAtNanos) {
        if (entries.size() >= MAX_ENTRIES) {
            entries.values().removeIf(e -> e.untilNanos - System.nanoTime() <= 0);
            if (entries.size() >= MAX_ENTRIES) {
                return;
            }
        }
        entries.put(key, new Entry(denial, sentAtNanos + denial.retryAfterMillis() * 1_000_000));
    }

    void remove(String key) {
        entries.remove(key);
    }

    void clear() {
        entries.clear();
    }

    int size() {
        return entries.size();
    }

    private static final class Entry {
        final Decision decision;
        final long untilNanos;

        Entry(Decision decision, long untilNanos) {
            this.decision = decision;
            this.untilNanos = untilNanos;
        }
    }
}
