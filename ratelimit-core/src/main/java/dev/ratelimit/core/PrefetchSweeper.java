package dev.ratelimit.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back the unspent permits of quiet identities and of ended leases, for every prefetching limiter of
 * one application runtime: one daemon thread, started with the first limiter registered (a runtime without
 * {@code prefetch} starts none), sweeping every {@link #PERIOD_MILLIS} ms. {@link #close()} stops the thread
 * and waits for it, so no thread of the web application outlives its undeploy.
 */
public final class PrefetchSweeper implements AutoCloseable {

    static final String THREAD_NAME = "ratelimit-prefetch-sweeper";
    /** A quarter of the quiet time: a quiet identity's permits are back within 1.25 × {@link PrefetchLeases#QUIET_MILLIS}. */
    static final long PERIOD_MILLIS = PrefetchLeases.QUIET_MILLIS / 4;

    private static final Logger LOG = LoggerFactory.getLogger(PrefetchSweeper.class);

    private final Set<PrefetchLeases> swept = ConcurrentHashMap.newKeySet();
    private BackgroundThread ticks;
    private boolean closed;

    /** Sweeps these leases from now on, until {@link #unregister}. */
    public synchronized void register(PrefetchLeases leases) {
        if (closed) {
            throw new IllegalStateException("The prefetch sweeper is closed");
        }
        swept.add(leases);
        if (ticks == null) {
            ticks = new BackgroundThread(THREAD_NAME);
            ticks.every(PERIOD_MILLIS, this::sweep);
        }
    }

    public void unregister(PrefetchLeases leases) {
        swept.remove(leases);
    }

    private void sweep() {
        for (PrefetchLeases leases : swept) {
            try {
                leases.sweep();
            } catch (RuntimeException e) {
                // Whatever it is, the next limiter and the next tick must still be swept.
                LOG.warn("Could not sweep prefetch leases: {}", e.toString());
            }
        }
    }

    /** Whether the sweeping thread runs (tests). */
    public synchronized boolean running() {
        return ticks != null;
    }

    /** Stops sweeping and waits (up to 5 s) for a sweep under way to end. */
    @Override
    public void close() {
        BackgroundThread running;
        synchronized (this) {
            closed = true;
            running = ticks;
            ticks = null;
        }
        swept.clear();
        if (running == null) {
            return;
        }
        if (!running.stop(5_000)) {
            LOG.warn("The prefetch sweeper thread did not stop within 5 s");
        }
    }
}
