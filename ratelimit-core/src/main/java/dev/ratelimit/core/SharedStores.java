package dev.ratelimit.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.redis.RedisClients;

/**
 * What every limiter of one web application shares: the Redis clients (one pool per URL) and one
 * in-memory store. Adapters keep one instance per application under {@link #ATTRIBUTE} (a
 * ServletContext attribute), {@link #lease()} it when a filter starts and {@link #release()} it when the
 * filter stops; the last release closes everything, so a redeploy leaves nothing behind.
 */
public final class SharedStores {

    /** The application attribute under which adapters keep the instance. */
    public static final String ATTRIBUTE = SharedStores.class.getName();

    private static final Logger LOG = LoggerFactory.getLogger(SharedStores.class);

    private final RedisClients redis = new RedisClients();
    private final InMemoryStore memory = new InMemoryStore();
    private int leases;
    private boolean warnedPerInstance;

    public synchronized SharedStores lease() {
        leases++;
        return this;
    }

    /** @return true when this was the last lease and everything is now closed */
    public synchronized boolean release() {
        if (--leases > 0) {
            return false;
        }
        redis.close();
        memory.close();
        return true;
    }

    public RedisClients redis() {
        return redis;
    }

    public InMemoryStore memory() {
        return memory;
    }

    /** One WARN per application when some limiter counts in memory only. */
    public synchronized void warnPerInstanceOnce(String limiterName) {
        if (!warnedPerInstance) {
            warnedPerInstance = true;
            LOG.warn("Rate limiter '{}' has no Redis URL (redis-url, context-param ratelimit.redis-url,"
                    + " system property ratelimit.redis-url or env REDIS_URL): counting in memory, so limits hold"
                    + " per instance, not across the cluster", limiterName);
        }
    }
}
