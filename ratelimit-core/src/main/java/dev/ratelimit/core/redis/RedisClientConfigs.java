package dev.ratelimit.core.redis;

import java.time.Duration;

import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisClientConfig;

/**
 * The Jedis pool and connection configuration for one {@link RedisSettings}: what {@link LazyRedisClient}
 * builds every client with, and what the benchmarks' raw baselines use to be configured alike.
 */
public final class RedisClientConfigs {

    private RedisClientConfigs() {
    }

    /** The connection pool of each node. */
    public static ConnectionPoolConfig pool(RedisSettings settings) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(settings.poolMaxTotal());
        pool.setMaxIdle(settings.poolMaxTotal());
        pool.setMinIdle(0);
        pool.setBlockWhenExhausted(true);
        pool.setMaxWait(Duration.ofMillis(settings.poolMaxWaitMillis()));
        // Pool MBeans would outlive a careless redeploy and clutter the console; our own metrics cover the pool.
        pool.setJmxEnabled(false);
        // No evictor: Commons Pool runs it on a shared thread that can outlive an undeployed WAR for a moment,
        // which Tomcat reports as a leak. Dead idle connections are dropped when a call finds one (ScriptCalls).
        pool.setTimeBetweenEvictionRuns(Duration.ofMillis(-1));
        pool.setTestWhileIdle(false);
        return pool;
    }

    /** A connection to a data node: timeouts, TLS, database, client name and credentials. */
    public static JedisClientConfig dataNode(RedisSettings settings) {
        DefaultJedisClientConfig.Builder config = common(settings)
                .database(settings.database()).clientName("ratelimit");
        if (settings.user() != null) {
            config.user(settings.user());
        }
        if (settings.password() != null) {
            config.password(settings.password());
        }
        return config.build();
    }

    /** A connection to a Sentinel: same timeouts and TLS, no ACL user (sentinels keep their own, rarely used, users). */
    static JedisClientConfig sentinel(RedisSettings settings) {
        return common(settings).build();
    }

    private static DefaultJedisClientConfig.Builder common(RedisSettings settings) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) settings.connectTimeoutMillis())
                .socketTimeoutMillis((int) settings.timeoutMillis())
                .ssl(settings.tls());
        if (settings.stores() != null) {
            config.sslOptions(settings.stores().sslOptions());
        }
        return config;
    }
}
