package dev.ratelimit.core;

import java.util.HashMap;
import java.util.Map;

/**
 * The most frequent items of a stream in at most {@code capacity} counters: the Space-Saving summary
 * (Metwally, Agrawal, El Abbadi, 2005). An item already counted adds one to its counter; a new item takes
 * a free counter, or, when all are taken, the counter of the least counted item, starting from that count
 * plus one and remembering the count it took over as its possible error.
 *
 * <p>What it guarantees, after {@code n} items: a counter is never below its item's true count, and at most
 * its {@code error} above it; an item without a counter was seen at most {@link #floor()} times, which is at
 * most {@code n / capacity}. So every item seen more than {@code n / capacity} times has a counter.
 *
 * <p>Not thread-safe: {@link RecentHeavyHitters} guards it.
 */
final class HeavyHitters {

    private final int capacity;
    private final Map<String, Counter> counters;
    private long total;

    HeavyHitters(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.capacity = capacity;
        this.counters = new HashMap<>(capacity * 2);
    }

    void add(String item) {
        add(item, 1);
    }

    /** The item seen {@code times} more times (at least 1): the weighted form of the same summary, same guarantees. */
    void add(String item, long times) {
        total += times;
        Counter counter = counters.get(item);
        if (counter != null) {
            counter.count += times;
            return;
        }
        if (counters.size() < capacity) {
            counters.put(item, new Counter(times, 0));
            return;
        }
        // A scan for the smallest counter: capacity is small (tens), and this runs only for a new item.
        String smallest = null;
        long min = Long.MAX_VALUE;
        for (Map.Entry<String, Counter> e : counters.entrySet()) {
            if (e.getValue().count < min) {
                min = e.getValue().count;
                smallest = e.getKey();
            }
        }
        counters.remove(smallest);
        counters.put(item, new Counter(min + times, min));
    }

    /** How many items were added. */
    long total() {
        return total;
    }

    /** How many counters are in use: never more than the capacity. */
    int size() {
        return counters.size();
    }

    /** The most often an item without a counter can have been seen: the smallest count once every counter is taken, else 0. */
    long floor() {
        if (counters.size() < capacity) {
            return 0;
        }
        long min = Long.MAX_VALUE;
        for (Counter counter : counters.values()) {
            min = Math.min(min, counter.count);
        }
        return min;
    }

    /** The item's counter, or null when it has none. */
    Counter counter(String item) {
        return counters.get(item);
    }

    Iterable<String> items() {
        return counters.keySet();
    }

    void clear() {
        counters.clear();
        total = 0;
    }

    /** One item's count (never below the true count) and how much of it may be someone else's. */
    static final class Counter {
        long count;
        final long error;

        Counter(long count, long error) {
            this.count = count;
            this.error = error;
        }
    }
}
