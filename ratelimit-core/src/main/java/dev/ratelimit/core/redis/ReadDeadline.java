package dev.ratelimit.core.redis;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The moment by which the current thread's Redis call must have its whole reply. Jedis' {@code timeout}
 * bounds each read of a socket, not a reply: a peer that drips a reply one byte at a time, each sooner than
 * the timeout, would hold a call for as long as it likes. {@link DeadlineSocket} reads on a thread that runs
 * {@link #within} no later than this deadline, so one call never outlasts its budget.
 */
final class ReadDeadline {

    /** No deadline: reads are bounded by the socket timeout alone. */
    static final long NONE = Long.MAX_VALUE;

    private static final ThreadLocal<long[]> DEADLINE = new ThreadLocal<>();

    private ReadDeadline() {
    }

    /** Runs the call with every read of this thread ending by {@code budgetMillis} from now (an outer deadline stays). */
    static <T> T within(long budgetMillis, Supplier<T> call) {
        if (DEADLINE.get() != null) {
            return call.get();
        }
        DEADLINE.set(new long[] {System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMillis)});
        try {
            return call.get();
        } finally {
            DEADLINE.remove();
        }
    }

    /** Nanoseconds left for this thread's call (zero or less: past it), or {@link #NONE}. */
    static long remainingNanos() {
        long[] deadline = DEADLINE.get();
        return deadline == null ? NONE : deadline[0] - System.nanoTime();
    }
}
