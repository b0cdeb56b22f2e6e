package dev.ratelimit.core.redis;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.BackgroundThread;

/**
 * Re-reads a Cluster client's slot map every period, on one daemon thread of the limiter's, so that keys of a
 * failed master reach its promoted replica even while that master's breaker keeps every call away from it.
 *
 * <p>Jedis can run this refresh itself, but on an executor it only tells to stop when it closes: a refresh
 * waiting for a silent node then outlives the undeploy of the web application (Tomcat reports the thread as a
 * leak), and may even set up node pools on a client already closed. {@link #close()} waits for a refresh under
 * way to end. A refresh is bounded by the timeouts: Jedis tries each seed, then each node of the slot map, until
 * one answers {@code CLUSTER SLOTS}; a try on a silent node ends after at most {@code pool-max-wait} (Jedis' own
 * node pool) + {@code connect-timeout} + {@code timeout} (the first unanswered read fails it).
 */
final class ClusterSlotRefresher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterSlotRefresher.class);

    static final String THREAD_NAME = "ratelimit-cluster-slots";
    /** Added to the bound of a refresh when waiting for it at close, for a thread slow to be scheduled. */
    static final long CLOSE_SLACK_MILLIS = 1_000;

    private final DeadlineClusterConnectionProvider provider;
    private final int seeds;
    private final long perTryMillis;
    private final BackgroundThread ticks = new BackgroundThread(THREAD_NAME);
    private final ScheduledFuture<?> schedule;

    /**
     * Starts refreshing every {@code period}, first after one period (the provider read the slot map when it was
     * built).
     */
    ClusterSlotRefresher(DeadlineClusterConnectionProvider provider, Duration period, RedisSettings settings) {
        this.provider = provider;
        this.seeds = settings.nodes().size();
        this.perTryMillis = settings.poolMaxWaitMillis() + settings.connectTimeoutMillis() + settings.timeoutMillis();
        this.schedule = ticks.every(period.toMillis(), this::refresh);
    }

    private void refresh() {
        try {
            provider.renewSlotCache();
        } catch (RuntimeException e) {
            // Whatever it is, the next tick must still run (a scheduled task that throws is never run again).
            LOG.debug("Could not re-read the Cluster slot map: {}", e.toString());
        }
    }

    /** How long a refresh may take: one try per seed and per node of the slot map. */
    long refreshBoundMillis() {
        return (long) (seeds + provider.slotMapNodes()) * perTryMillis;
    }

    /** Stops refreshing and waits for a refresh under way to end (up to its bound plus a second). */
    @Override
    public void close() {
        long waitMillis = refreshBoundMillis() + CLOSE_SLACK_MILLIS;
        schedule.cancel(false);
        if (!ticks.stop(waitMillis)) {
            LOG.warn("The Cluster slot-map refresh did not end within {} ms", waitMillis);
        }
    }
}
