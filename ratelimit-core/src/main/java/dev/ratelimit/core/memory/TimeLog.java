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

    private void grow() {
        long[] bigger = new long[times.length * 2];
        for (int i = 0; i < size; i++) {
            bigger[i] = get(i);
        }
        times = bigger;
        head = 0;
    }
}
