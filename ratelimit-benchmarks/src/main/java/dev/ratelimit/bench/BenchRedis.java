package dev.ratelimit.bench;

import dev.ratelimit.core.redis.RedisClientConfigs;
import dev.ratelimit.core.redis.RedisSettings;
import dev.ratelimit.core.redis.RedisUrl;
import redis.clients.jedis.RedisClient;

/**
 * The Redis of one benchmark run (started by {@link RunAll}, passed to forks as a system property) and
 * the client settings every Redis benchmark shares, so ours, raw EVALSHA and Bucket4j use equal pools.
 */
final class BenchRedis {

    static final String URL_PROPERTY = "bench.redis.url";

    /**
     * The production defaults (32 pooled connections) with long waits: on 2 cores shared by 32 JMH
     * threads and Redis, a 50 ms timeout would sometimes fire and measure the failure mode instead.
     */
    static final long TIMEOUT_MILLIS = 2000;
    static final long POOL_MAX_WAIT_MILLIS = 2000;

    private BenchRedis() {
    }

    static String url() {
        String url = System.getProperty(URL_PROPERTY);
        if (url == null) {
            throw new IllegalStateException("No -D" + URL_PROPERTY + ": run the benchmarks through RunAll (run.sh)");
        }
        return url;
    }

    static RedisSettings settings() {
        return settingsBuilder().build();
    }

    /** As {@link #settings()}, for a benchmark that changes one of them. */
    static RedisSettings.Builder settingsBuilder() {
        return RedisUrl.standalone(URL_PROPERTY, url())
                .timeouts(TIMEOUT_MILLIS, RedisSettings.DEFAULT_CONNECT_TIMEOUT_MILLIS)
                .pool(RedisSettings.DEFAULT_POOL_MAX_TOTAL, POOL_MAX_WAIT_MILLIS);
    }

    /** A client with the engine's own pool and connection configuration, for the baselines. */
    static RedisClient rawClient() {
        RedisSettings settings = settings();
        return RedisClient.builder()
                .hostAndPort(settings.host(), settings.port())
                .clientConfig(RedisClientConfigs.dataNode(settings))
                .poolConfig(RedisClientConfigs.pool(settings))
                .build();
    }
}
