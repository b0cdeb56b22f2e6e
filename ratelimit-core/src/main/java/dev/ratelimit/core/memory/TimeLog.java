package dev.ratelimit.core.memory;

/** Times (ms) in the order they were added, oldest first, in a growing ring of longs: the twin of a Redis list. */
final class TimeLog {

    private long[] times = new long[4];
    private int head;
    private int size;

    int size() {
        return size;
    }

    /** The i-th oldest time. */
    long get(int i) {
        return times[(head + i) % times.length];
    }

    void removeOldest() {
        head = (head + 1) % times.length;
        size--;
    }

    void add(long time, long copies) {
        while (size + copies > times.length) {
            grow();
        }
        for (long c = 0; c < copies; c++) {
            times[(head + size) % times.length] = time;
            size++;
        }
    }

    /** How many times are later than {@code time}. */
    long countAfter(long time) {
        long count = 0;
        for (int i = size - 1; i >= 0 && get(i) > time; i--) {
            count++;
        }
        return count;
    }

    /** Removes up to {@code copies} entries equal to {@code time}, newest first (Redis' {@code LREM key -copies time}). */
    void removeNewest(long time, long copies) {
        long[] kept = new long[times.length];
        int keptSize = 0;
        long left = copies;
        for (int i = size - 1; i >= 0; i--) {
            long t = get(i);
            if (left > 0 && t == time) {
                left--;
            } else {
                kept[keptSize++] = t;
            }
        }
        for (int i = 0; i < keptSize / 2; i++) {
            long swap = kept[i];
            kept[i] = kept[keptSize - 1 - i];
            kept[keptSize - 1 - i] = swap;
        }
        times = kept;
        head = 0;
        size = keptSize;
    }

    private void grow() {
        long[] bigger = new long[times.length * 2];
        for (int i = 0; i < size; i++) {
            bigger[i] = get(i);
        }
        times = bigger;
        head = 0;
    }
}
