package dev.ratelimit.core;

import java.util.Arrays;
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

    /**
     * Bound on remembered keys. When full, a new denial replaces the oldest one still remembered: forgetting
     * a live denial only costs that key one Redis call.
     */
    static final int MAX_ENTRIES = 10_000;

    /** Read without locks on every request; written under this object's lock. */
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /**
     * Every entry of the map, in the order written: slot {@code next} holds the oldest, and the next
     * write drops it from the map (unless that key was written again since). So the map never holds
     * more than {@link #MAX_ENTRIES}, and a write costs the same however full the cache is.
     */
    private final Entry[] written = new Entry[MAX_ENTRIES];
    private int next;

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
        long leftMillis = (leftNanos + 999_999) / 1_000_000;
        Decision again = Decision.denied(d.limit(), d.remaining(), d.resetAtMillis(), leftMillis, d.source());
        // The reset has come as much closer as the wait has.
        return d.resetAfterMillis() < 0 ? again
                : again.boundBy(d.limitIndex(), d.resetAfterMillis() - (d.retryAfterMillis() - leftMillis));
    }

    /** @param sentAtNanos {@link System#nanoTime()} taken before the store was asked */
    synchronized void put(String key, Decision denial, long sentAtNanos) {
        Entry entry = new Entry(key, denial, sentAtNanos + denial.retryAfterMillis() * 1_000_000);
        Entry oldest = written[next];
        if (oldest != null) {
            entries.remove(oldest.key, oldest);
        }
        written[next] = entry;
        next = (next + 1) % MAX_ENTRIES;
        entries.put(key, entry);
    }

    void remove(String key) {
        entries.remove(key);
    }

    synchronized void clear() {
        entries.clear();
        Arrays.fill(written, null);
    }

    int size() {
        return entries.size();
    }

    private static final class Entry {
        final String key;
        final Decision decision;
        final long untilNanos;

        Entry(String key, Decision decision, long untilNanos) {
            this.key = key;
            this.decision = decision;
            this.untilNanos = untilNanos;
        }
    }
}
