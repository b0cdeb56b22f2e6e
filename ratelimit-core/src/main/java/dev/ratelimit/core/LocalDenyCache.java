package dev.ratelimit.core;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * Remembers, per key, that Redis denied it until some time, and denies again locally until then
 * without a round trip. Exact for both algorithms: a denial consumes nothing and allowed requests only
 * take permits, so nothing can admit the key before its retry-after has passed (only a reset or a
 * changed limit can, and both clear the cache). The deadline is measured on this JVM's monotonic clock
 * from before the Redis call was sent, so it never lies after Redis' own: clock offsets between the
 * JVM and Redis do not matter, and at worst a request one round trip early is sent to Redis.
 *
 * <p>Each denial belongs to the policy it was decided under and is seen only by requests under that same
 * policy: a request still running under the old policy when a reload or an operator's change cleared the
 * cache would otherwise put back a denial of the old limits, which the new ones might not make.
 */
final class LocalDenyCache {

    /** Denials answered from one entry that are reported to the denied identities together, at most. */
    static final int REPORT_EVERY = 64;
    /** Denials answered from one entry wait this long at most before they are reported. */
    static final long REPORT_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

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
    /** Where the denials answered from here are counted (by identity); null: nowhere. */
    private final RecentHeavyHitters deniedIdentities;

    LocalDenyCache() {
        this(null);
    }

    /**
     * @param deniedIdentities counts the denials this cache answers ({@link #get} with {@code counted}), an
     *        entry's in one call per {@value #REPORT_EVERY} or per second, not one lock per denial: these are
     *        the denials a flood makes; {@link #reportPending()} brings the counts up to date before a read
     */
    LocalDenyCache(RecentHeavyHitters deniedIdentities) {
        this.deniedIdentities = deniedIdentities;
    }

    /** The cached denial under {@code policy} with its retry-after brought up to date, or null. */
    Decision get(String key, long nowNanos, Policy policy) {
        return get(key, nowNanos, policy, false);
    }

    /** As {@link #get(String, long, Policy)}; with {@code counted}, a denial it answers counts for its identity. */
    Decision get(String key, long nowNanos, Policy policy, boolean counted) {
        Entry entry = entries.get(key);
        if (entry == null || entry.policy != policy) {
            return null;
        }
        long leftNanos = entry.untilNanos - nowNanos;
        if (leftNanos <= 0) {
            entries.remove(key, entry);
            report(entry);
            return null;
        }
        if (counted && deniedIdentities != null) {
            long waiting = Entry.UNREPORTED.incrementAndGet(entry);
            if (waiting >= REPORT_EVERY || nowNanos - entry.reportedAtNanos >= REPORT_AFTER_NANOS) {
                entry.reportedAtNanos = nowNanos;
                report(entry);
            }
        }
        Decision d = entry.decision;
        long leftMillis = (leftNanos + 999_999) / 1_000_000;
        // The reset has come as much closer as the wait has.
        return d.resetAfterMillis() < 0
                ? Decision.denied(d.limit(), d.remaining(), d.resetAtMillis(), leftMillis, d.source())
                : Decision.denied(d.limit(), d.remaining(), d.resetAtMillis(), leftMillis, d.source(), d.limitIndex(),
                        d.resetAfterMillis() - (d.retryAfterMillis() - leftMillis), policy);
    }

    /**
     * @param sentAtNanos {@link System#nanoTime()} taken before the store was asked
     * @param policy      the policy the store denied it under
     */
    synchronized void put(String key, Decision denial, long sentAtNanos, Policy policy) {
        Entry entry = new Entry(key, denial, sentAtNanos + denial.retryAfterMillis() * 1_000_000, policy, sentAtNanos);
        Entry oldest = written[next];
        if (oldest != null) {
            entries.remove(oldest.key, oldest);
            report(oldest);
        }
        written[next] = entry;
        next = (next + 1) % MAX_ENTRIES;
        Entry replaced = entries.put(key, entry);
        if (replaced != null) {
            report(replaced);
        }
    }

    void remove(String key) {
        Entry removed = entries.remove(key);
        if (removed != null) {
            report(removed);
        }
    }

    synchronized void clear() {
        reportPending();
        entries.clear();
        Arrays.fill(written, null);
    }

    /** Counts every denial answered from here and not yet counted. */
    void reportPending() {
        for (Entry entry : entries.values()) {
            report(entry);
        }
    }

    private void report(Entry entry) {
        long waiting = Entry.UNREPORTED.getAndSet(entry, 0);
        if (waiting > 0 && deniedIdentities != null) {
            deniedIdentities.add(KeyLayout.identityIn(entry.key), waiting);
        }
    }

    int size() {
        return entries.size();
    }

    private static final class Entry {
        static final AtomicLongFieldUpdater<Entry> UNREPORTED = AtomicLongFieldUpdater.newUpdater(Entry.class, "unreported");

        final String key;
        final Decision decision;
        final long untilNanos;
        final Policy policy;
        /** Denials answered from this entry, not yet counted for its identity. */
        volatile long unreported;
        /** When they were last counted (written racily: at worst one report early). */
        volatile long reportedAtNanos;

        Entry(String key, Decision decision, long untilNanos, Policy policy, long createdNanos) {
            this.key = key;
            this.decision = decision;
            this.untilNanos = untilNanos;
            this.policy = policy;
            this.reportedAtNanos = createdNanos;
        }
    }
}
