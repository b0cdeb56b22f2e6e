package dev.ratelimit.servlet;

import javax.servlet.ServletContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.redis.RedisClients;

/**
 * What all rate-limit filters of one web application share, kept in a ServletContext attribute: the
 * Redis clients (one pool per URL) and one in-memory store. Each filter leases it in {@code init} and
 * returns it in {@code destroy}; the last one out closes everything, so a redeploy leaves nothing behind.
 */
final class SharedStores {

    static final String ATTRIBUTE = SharedStores.class.getName();

    private static final Logger LOG = LoggerFactory.getLogger(SharedStores.class);

    private final RedisClients redis = new RedisClients();
    private final InMemoryStore memory = new InMemoryStore();
    private int leases;
    private boolean warnedPerInstance;

    static SharedStores lease(ServletContext context) {
        synchronized (context) {
            SharedStores shared = (SharedStores) context.getAttribute(ATTRIBUTE);
            if (shared == null) {
                shared = new SharedStores();
                context.setAttribute(ATTRIBUTE, shared);
            }
            shared.leases++;
            return shared;
        }
    }

    void release(ServletContext context) {
        synchronized (context) {
            if (--leases > 0) {
                return;
            }
            context.removeAttribute(ATTRIBUTE);
            redis.close();
            memory.close();
        }
    }

    RedisClients redis() {
        return redis;
    }

    InMemoryStore memory() {
        return memory;
    }

    /** One WARN per application when some filter counts in memory only. */
    synchronized void warnPerInstanceOnce(String filterName) {
        if (!warnedPerInstance) {
            warnedPerInstance = true;
            LOG.warn("Rate-limit filter '{}' has no Redis URL (init-param redis-url, context-param ratelimit.redis-url,"
                    + " system property ratelimit.redis-url or env REDIS_URL): counting in memory, so limits hold"
                    + " per instance, not across the cluster", filterName);
        }
    }
}
