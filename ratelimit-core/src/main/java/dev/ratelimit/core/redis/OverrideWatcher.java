package dev.ratelimit.core.redis;

import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * Tells an instance when the live overrides may have changed, on two threads it owns:
 * <ul>
 * <li>{@value #SUBSCRIBER_THREAD}: subscribes to the announcement channel on a connection of its own (SUBSCRIBE
 *     holds a connection for as long as it lasts, so it never takes one from the pool the requests use). When
 *     the connection drops it connects again, waiting {@value #FIRST_BACKOFF_MILLIS} ms and doubling up to
 *     {@value #MAX_BACKOFF_MILLIS} ms, and catches up once subscribed again. With Sentinel it follows the
 *     current master. Not with Redis Cluster: there the version check alone does the work.
 * <li>{@value #CHECK_THREAD}: every {@value #CHECK_INTERVAL_MILLIS} ms, the catch-up (one GET of the version
 *     when nothing changed), for announcements lost while the subscription was down.
 * </ul>
 * {@link #close()} ends both threads and waits for them, so no thread outlives the application.
 */
final class OverrideWatcher implements AutoCloseable {

    static final String SUBSCRIBER_THREAD = "ratelimit-overrides-subscriber";
    static final String CHECK_THREAD = "ratelimit-overrides-check";
    static final long CHECK_INTERVAL_MILLIS = 1000;
    static final long FIRST_BACKOFF_MILLIS = 100;
    static final long MAX_BACKOFF_MILLIS = 5000;

    private static final Logger LOG = LoggerFactory.getLogger(OverrideWatcher.class);

    private final LazyRedisClient redis;
    private final String channel;
    private final Runnable catchUp;
    private final Thread subscriber;
    private final Thread checker;
    private volatile boolean closed;
    private volatile boolean subscribed;
    /** Set when a subscription succeeded: the next failure starts the backoff over and is warned about again. */
    private volatile boolean subscribedOnce;
    private volatile Connection connection;

    OverrideWatcher(LazyRedisClient redis, String channel, Runnable catchUp) {
        this.redis = redis;
        this.channel = channel;
        this.catchUp = catchUp;
        boolean cluster = redis.settings().topology() == RedisSettings.Topology.CLUSTER;
        this.subscriber = cluster ? null : daemon(SUBSCRIBER_THREAD, this::subscribeUntilClosed);
        this.checker = daemon(CHECK_THREAD, this::checkUntilClosed);
    }

    private static Thread daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    boolean subscribed() {
        return subscribed;
    }

    private void checkUntilClosed() {
        while (!closed) {
            try {
                Thread.sleep(CHECK_INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            if (!closed) {
                catchUpQuietly();
            }
        }
    }

    private void subscribeUntilClosed() {
        long backoff = FIRST_BACKOFF_MILLIS;
        boolean warned = false;
        while (!closed) {
            Connection current = null;
            try {
                current = new Connection(node(), RedisClientConfigs.dataNode(redis.settings()));
                connection = current;
                if (closed) {
                    return;
                }
                Announcements announcements = new Announcements();
                announcements.proceed(current, channel);
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                if (!warned) {
                    warned = true;
                    LOG.warn("Live overrides: no subscription to channel {} on Redis {} ({}); connecting again with"
                            + " backoff, the version check applies changes meanwhile", channel, redis, RedisFailures.describe(e));
                } else {
                    LOG.debug("Live overrides: subscribing to {} failed again: {}", channel, e.toString());
                }
            } finally {
                subscribed = false;
                connection = null;
                closeQuietly(current);
            }
            if (subscribedOnce) {
                subscribedOnce = false;
                backoff = FIRST_BACKOFF_MILLIS;
                warned = false;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
        }
    }

    /** The node to subscribe on: the one node, or the master the sentinels name now. */
    private HostAndPort node() {
        RedisSettings settings = redis.settings();
        if (settings.topology() == RedisSettings.Topology.SENTINEL) {
            UnifiedJedis client = redis.client();
            return ((RedisSentinelClient) client).getCurrentMaster();
        }
        return new HostAndPort(settings.host(), settings.port());
    }

    private void catchUpQuietly() {
        try {
            catchUp.run();
        } catch (RuntimeException e) {
            LOG.debug("Live overrides: catching up failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        // Ends the blocking read of SUBSCRIBE.
        closeQuietly(connection);
        stop(subscriber);
        stop(checker);
    }

    /**
     * Closes the subscription's connection, which {@link #close()} and the subscriber thread may do at the same
     * time: Jedis then throws "Socket closed" from the second close. Thrown out of {@code close()} it skipped
     * stopping the threads and the rest of the undeploy (a redeploy left threads, a pool and MBeans behind).
     */
    static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (RuntimeException e) {
            LOG.debug("Live overrides: closing the subscription's connection: {}", e.toString());
        }
    }

    private static void stop(Thread thread) {
        if (thread == null) {
            return;
        }
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("Thread {} did not end within 10 s", thread.getName());
        }
    }

    private final class Announcements extends JedisPubSub {
        @Override
        public void onSubscribe(String subscribedChannel, int count) {
            subscribed = true;
            subscribedOnce = true;
            LOG.debug("Live overrides: subscribed to {}", subscribedChannel);
            // What was announced while not subscribed is caught up now.
            catchUpQuietly();
        }

        @Override
        public void onMessage(String messageChannel, String version) {
            catchUpQuietly();
        }
    }
}
