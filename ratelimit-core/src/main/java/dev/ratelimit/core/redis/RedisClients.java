package dev.ratelimit.core.redis;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ratelimit.core.StoreCircuitBreaker;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The pooled Redis clients of one web application: one per distinct {@link RedisSettings}, shared by
 * every filter that uses them, closed when the last store using one is closed. An adapter keeps one
 * instance per application (e.g. in a ServletContext attribute).
 */
public final class RedisClients implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisClients.class);

    private final Map<RedisSettings, Shared> clients = new HashMap<>();

    /** A store on the shared client for these settings, creating the client on first use. */
    public synchronized RedisStore open(RedisSettings settings) {
        Shared shared = clients.get(settings);
        if (shared == null) {
            shared = new Shared(connect(settings), new StoreCircuitBreaker(settings.toString(),
                    settings.breakerFailures(), settings.breakerOpenMillis(), settings.breakerProbes()));
            clients.put(settings, shared);
        }
        shared.leases++;
        AtomicBoolean released = new AtomicBoolean();
        RedisClient client = shared.client;
        return new RedisStore(client, settings.toString(), shared.breaker, () -> client.getPool().clear(), () -> {
            if (released.compareAndSet(false, true)) {
                release(settings);
            }
        });
    }

    /** How many distinct clients (pools) are open. */
    public synchronized int openClients() {
        return clients.size();
    }

    private synchronized void release(RedisSettings settings) {
        Shared shared = clients.get(settings);
        if (shared != null && --shared.leases == 0) {
            clients.remove(settings);
            closeQuietly(settings, shared.client);
        }
    }

    /** Closes every client, whatever leases remain (the application is going away). */
    @Override
    public synchronized void close() {
        for (Map.Entry<RedisSettings, Shared> e : clients.entrySet()) {
            closeQuietly(e.getKey(), e.getValue().client);
        }
        clients.clear();
    }

    private static RedisClient connect(RedisSettings settings) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) settings.connectTimeoutMillis())
                .socketTimeoutMillis((int) settings.timeoutMillis())
                .database(settings.database())
                .clientName("ratelimit")
                .ssl(settings.tls());
        if (settings.user() != null) {
            config.user(settings.user());
        }
        if (settings.password() != null) {
            config.password(settings.password());
        }
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(settings.poolMaxTotal());
        pool.setMaxIdle(settings.poolMaxTotal());
        pool.setMinIdle(0);
        pool.setBlockWhenExhausted(true);
        pool.setMaxWait(Duration.ofMillis(settings.poolMaxWaitMillis()));
        // Pool MBeans would outlive a careless redeploy and clutter the console; our own metrics cover the pool.
        pool.setJmxEnabled(false);
        RedisClient client = RedisClient.builder()
                .hostAndPort(settings.host(), settings.port())
                .clientConfig(config.build())
                .poolConfig(pool)
                .build();
        try {
            client.ping();
            LOG.info("Redis {} answered; pool max-total={} max-wait={}ms timeout={}ms", settings,
                    settings.poolMaxTotal(), settings.poolMaxWaitMillis(), settings.timeoutMillis());
        } catch (JedisException e) {
            LOG.warn("Redis {} did not answer at startup ({}); each policy's failure mode applies until it does",
                    settings, e.getMessage());
        }
        return client;
    }

    private static void closeQuietly(RedisSettings settings, UnifiedJedis client) {
        try {
            client.close();
            LOG.debug("Closed Redis client {}", settings);
        } catch (RuntimeException e) {
            LOG.warn("Closing Redis client {} failed: {}", settings, e.toString());
        }
    }

    private static final class Shared {
        final RedisClient client;
        final StoreCircuitBreaker breaker;
        int leases;

        Shared(RedisClient client, StoreCircuitBreaker breaker) {
            this.client = client;
            this.breaker = breaker;
        }
    }
}
