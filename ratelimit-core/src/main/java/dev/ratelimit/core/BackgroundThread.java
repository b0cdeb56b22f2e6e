package dev.ratelimit.core;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One named daemon thread that runs the limiter's periodic background work (lease renewal, prefetch sweeps,
 * Cluster slot-map refreshes). {@link #stop} waits for the thread itself to end, not only for its executor to
 * terminate (which happens a moment before): so that no thread of a web application is left once its undeploy
 * returns, which Tomcat would report as a leak.
 */
public final class BackgroundThread {

    private final ScheduledExecutorService ticks;
    /** The executor's one thread (set by its thread factory). */
    private volatile Thread worker;

    public BackgroundThread(String name) {
        this.ticks = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            worker = thread;
            return thread;
        });
    }

    /**
     * Runs {@code task} every {@code periodMillis}, first after one period. A task that throws is never run
     * again: catch what must not end it.
     */
    public ScheduledFuture<?> every(long periodMillis, Runnable task) {
        return ticks.scheduleWithFixedDelay(task, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops the thread (interrupting a task under way) and waits up to {@code waitMillis} for it to end.
     *
     * @return whether it ended in time; false also when the waiting thread was interrupted (its status is kept)
     */
    public boolean stop(long waitMillis) {
        ticks.shutdownNow();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        try {
            if (!ticks.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
                return false;
            }
            Thread thread = worker;
            if (thread == null) {
                return true;
            }
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            return !thread.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
