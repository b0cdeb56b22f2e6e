package dev.ratelimit.core.redis;

import java.util.concurrent.TimeUnit;

/**
 * The moment by which the current thread's Redis call must have its whole reply. Jedis' {@code timeout}
 * bounds each read of a socket, not a reply: a peer that drips a reply one byte at a time, each sooner than
 * the timeout, would hold a call for as long as it likes. {@link DeadlineSocket} reads on a thread between
 * {@link #begin} and {@link #end} no later than this deadline, so one call never outlasts its budget.
 */
final class ReadDeadline {

    /** No deadline: reads are bounded by the socket timeout alone. */
    static final long NONE = Long.MAX_VALUE;

    /**
     * Per thread: the deadline in {@link System#nanoTime()} terms, or {@link #NONE} outside a call. The holder
     * stays with its thread (a {@code long[1]}, nothing of this library's classes), so a call allocates nothing.
     */
    private static final ThreadLocal<long[]> DEADLINE = new ThreadLocal<>();

    private ReadDeadline() {
    }

    /**
     * Makes every read of this thread end by {@code budgetMillis} from now, unless an outer deadline runs
     * (it stays). Pair each call returning true with {@link #end()} in a {@code finally}.
     *
     * @return whether this call set the deadline
     */
    static boolean begin(long budgetMillis) {
        long[] deadline = DEADLINE.get();
        if (deadline == null) {
            deadline = new long[] {NONE};
            DEADLINE.set(deadline);
        } else if (deadline[0] != NONE) {
            return false;
        }
        deadline[0] = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
        return true;
    }

    /** Ends the deadline {@link #begin} set. */
    static void end() {
        long[] deadline = DEADLINE.get();
        if (deadline != null) {
            deadline[0] = NONE;
        }
    }

    /** Nanoseconds left for this thread's call (zero or less: past it), or {@link #NONE}. */
    static long remainingNanos() {
        long[] deadline = DEADLINE.get();
        return deadline == null || deadline[0] == NONE ? NONE : deadline[0] - System.nanoTime();
    }
}
