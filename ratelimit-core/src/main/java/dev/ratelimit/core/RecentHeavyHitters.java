package dev.ratelimit.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The items seen most often in the last minutes, in constant memory: one {@link HeavyHitters} summary of
 * {@code counters} counters per time bucket ({@value #DEFAULT_BUCKETS} buckets of one minute by default, so
 * the current minute and the 14 before it), each bucket cleared and reused when its minute comes round
 * again. A {@link RateLimiter} feeds it the identity of every request it turns away, so a flood of
 * distinct identities costs at most {@code buckets × counters} entries, whatever a client sends.
 *
 * <p>Read with {@link #summary()}: every item seen more than {@code total / counters} times in the window
 * is among its {@link Summary#heavyHitters() heavy hitters} (in some bucket it was seen more than that
 * bucket's {@code total / counters} times, so that bucket kept it), and each {@link Estimate} bounds the
 * true count from both sides.
 */
public final class RecentHeavyHitters {

    /** Counters per bucket: identities tracked per minute. */
    public static final int DEFAULT_COUNTERS = 50;
    /** Buckets in the window. */
    public static final int DEFAULT_BUCKETS = 15;
    /** Length of one bucket. */
    public static final long DEFAULT_BUCKET_MILLIS = 60_000;

    private final int counters;
    private final long bucketMillis;
    private final LongSupplier millisClock;
    private final HeavyHitters[] buckets;
    /** The time slot (clock / bucketMillis) each bucket holds, or Long.MIN_VALUE while unused. */
    private final long[] slots;
    /** The newest slot seen: a clock stepping back counts into it rather than into an old bucket. */
    private long newest = Long.MIN_VALUE;

    public RecentHeavyHitters() {
        this(DEFAULT_COUNTERS, DEFAULT_BUCKETS, DEFAULT_BUCKET_MILLIS, System::currentTimeMillis);
    }

    /** @param millisClock {@link System#currentTimeMillis()}, or a test's clock */
    RecentHeavyHitters(int counters, int buckets, long bucketMillis, LongSupplier millisClock) {
        if (buckets < 1 || bucketMillis < 1) {
            throw new IllegalArgumentException("need at least one bucket of at least 1 ms, was " + buckets + " of " + bucketMillis);
        }
        this.counters = counters;
        this.bucketMillis = bucketMillis;
        this.millisClock = millisClock;
        this.buckets = new HeavyHitters[buckets];
        this.slots = new long[buckets];
        for (int i = 0; i < buckets; i++) {
            this.buckets[i] = new HeavyHitters(counters);
            this.slots[i] = Long.MIN_VALUE;
        }
    }

    public void add(String item) {
        add(item, 1);
    }

    /** The item seen {@code times} more times now (at least 1). */
    public synchronized void add(String item, long times) {
        long slot = currentSlot();
        int i = (int) Math.floorMod(slot, (long) buckets.length);
        if (slots[i] != slot) {
            buckets[i].clear();
            slots[i] = slot;
        }
        buckets[i].add(item, times);
    }

    /** The largest number of counters any bucket holds now: never above {@code counters}. */
    synchronized int largestBucket() {
        int largest = 0;
        for (HeavyHitters bucket : buckets) {
            largest = Math.max(largest, bucket.size());
        }
        return largest;
    }

    /** What the window holds now: buckets older than the window are left out. */
    public synchronized Summary summary() {
        long now = currentSlot();
        List<HeavyHitters> live = new ArrayList<>(buckets.length);
        long[] perBucket = new long[buckets.length];
        for (int age = buckets.length - 1; age >= 0; age--) {
            long slot = now - age;
            int i = (int) Math.floorMod(slot, (long) buckets.length);
            if (slots[i] == slot) {
                live.add(buckets[i]);
                perBucket[buckets.length - 1 - age] = buckets[i].total();
            }
        }
        Set<String> candidates = new LinkedHashSet<>();
        long total = 0;
        long floors = 0;
        for (HeavyHitters bucket : live) {
            for (String item : bucket.items()) {
                candidates.add(item);
            }
            total += bucket.total();
            floors += bucket.floor();
        }
        List<Estimate> estimates = new ArrayList<>(candidates.size());
        for (String item : candidates) {
            long count = 0;
            long error = 0;
            for (HeavyHitters bucket : live) {
                HeavyHitters.Counter counter = bucket.counter(item);
                long floor = bucket.floor();
                count += counter != null ? counter.count : floor;
                error += counter != null ? counter.error : floor;
            }
            estimates.add(new Estimate(item, count, count - error));
        }
        return new Summary(estimates, total, floors, perBucket, counters);
    }

    private long currentSlot() {
        long slot = Math.floorDiv(millisClock.getAsLong(), bucketMillis);
        if (slot > newest) {
            newest = slot;
        }
        return newest;
    }

    /** One item's count in the window, as an interval: {@code guaranteed ≤ true count ≤ count}. */
    public static final class Estimate {
        private final String item;
        private final long count;
        private final long guaranteed;

        Estimate(String item, long count, long guaranteed) {
            this.item = item;
            this.count = count;
            this.guaranteed = guaranteed;
        }

        public String item() {
            return item;
        }

        /** At least the true count. */
        public long count() {
            return count;
        }

        /** At most the true count. */
        public long guaranteed() {
            return guaranteed;
        }

        @Override
        public String toString() {
            return item + "=" + count + (guaranteed == count ? "" : " (at least " + guaranteed + ")");
        }
    }

    /** A window's items, most counted first, with the window's totals. Immutable. */
    public static final class Summary {
        private static final Comparator<Estimate> MOST_FIRST =
                Comparator.comparingLong(Estimate::count).reversed().thenComparing(Estimate::item);

        private final List<Estimate> estimates;
        private final long total;
        /** The most an item without an estimate can have been seen in the window. */
        private final long untrackedAtMost;
        private final long[] perBucket;
        private final int counters;

        Summary(List<Estimate> estimates, long total, long untrackedAtMost, long[] perBucket, int counters) {
            List<Estimate> sorted = new ArrayList<>(estimates);
            sorted.sort(MOST_FIRST);
            this.estimates = Collections.unmodifiableList(sorted);
            this.total = total;
            this.untrackedAtMost = untrackedAtMost;
            this.perBucket = perBucket;
            this.counters = counters;
        }

        /** Items added in the window. */
        public long total() {
            return total;
        }

        /** Items added per bucket, oldest bucket first, the current one last. */
        public long[] perBucket() {
            return perBucket.clone();
        }

        /** The {@code limit} most counted items. */
        public List<Estimate> top(int limit) {
            return estimates.subList(0, Math.min(limit, estimates.size()));
        }

        /** Every item that may have been seen more than {@code total / counters} times: all that truly were, and maybe a few more. */
        public List<Estimate> heavyHitters() {
            List<Estimate> heavy = new ArrayList<>();
            for (Estimate e : estimates) {
                if (e.count() * counters > total) {
                    heavy.add(e);
                }
            }
            return heavy;
        }

        /**
         * This summary and another of the same shape as one, e.g. of two limiters of one policy name: an
         * item missing from one counts that one's most an untracked item can have been seen, so the bounds
         * and the heavy-hitter guarantee still hold.
         */
        public Summary plus(Summary other) {
            if (other.perBucket.length != perBucket.length || other.counters != counters) {
                throw new IllegalArgumentException("summaries of different shapes cannot be added");
            }
            Map<String, long[]> merged = new TreeMap<>();
            for (Estimate e : estimates) {
                merged.put(e.item(), new long[] {e.count(), e.guaranteed()});
            }
            for (Estimate e : other.estimates) {
                long[] mine = merged.get(e.item());
                if (mine == null) {
                    merged.put(e.item(), new long[] {e.count() + untrackedAtMost, e.guaranteed()});
                } else {
                    mine[0] += e.count();
                    mine[1] += e.guaranteed();
                }
            }
            Set<String> onlyMine = new LinkedHashSet<>();
            for (Estimate e : estimates) {
                onlyMine.add(e.item());
            }
            for (Estimate e : other.estimates) {
                onlyMine.remove(e.item());
            }
            for (String item : onlyMine) {
                merged.get(item)[0] += other.untrackedAtMost;
            }
            List<Estimate> sum = new ArrayList<>(merged.size());
            for (Map.Entry<String, long[]> e : merged.entrySet()) {
                sum.add(new Estimate(e.getKey(), e.getValue()[0], e.getValue()[1]));
            }
            long[] buckets = perBucket.clone();
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] += other.perBucket[i];
            }
            return new Summary(sum, total + other.total, untrackedAtMost + other.untrackedAtMost, buckets, counters);
        }

        @Override
        public String toString() {
            return "total=" + total + " per-bucket=" + Arrays.toString(perBucket) + " top=" + top(10);
        }
    }
}
