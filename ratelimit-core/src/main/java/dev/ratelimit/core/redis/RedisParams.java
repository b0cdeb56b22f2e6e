package dev.ratelimit.core.redis;

import dev.ratelimit.core.ConfigParams;
import dev.ratelimit.core.StoreCircuitBreaker;

/** Reads where Redis is and how long to wait for it, with the same names in every adapter. */
public final class RedisParams {

    public static final String REDIS_URL = "redis-url";
    public static final String TIMEOUT = "timeout";
    public static final String CONNECT_TIMEOUT = "connect-timeout";
    public static final String POOL_MAX_TOTAL = "pool-max-total";
    public static final String POOL_MAX_WAIT = "pool-max-wait";
    public static final String BREAKER_FAILURES = "breaker-failures";
    public static final String BREAKER_OPEN = "breaker-open";
    public static final String BREAKER_PROBES = "breaker-probes";

    /** System property read for the Redis URL when no parameter sets it. */
    public static final String REDIS_URL_PROPERTY = "ratelimit.redis-url";
    /** Environment variable read for the Redis URL last. */
    public static final String REDIS_URL_ENV = "REDIS_URL";

    private RedisParams() {
    }

    /**
     * The Redis URL from {@code redis-url}, else the system property {@value #REDIS_URL_PROPERTY}, else the
     * environment variable {@value #REDIS_URL_ENV}.
     *
     * @return the settings, or null when no URL is configured anywhere (count in memory)
     */
    public static RedisSettings read(ConfigParams params) {
        String url = params.get(REDIS_URL);
        String source = REDIS_URL;
        if (url == null && !isBlank(System.getProperty(REDIS_URL_PROPERTY))) {
            url = System.getProperty(REDIS_URL_PROPERTY).trim();
            source = "system property " + REDIS_URL_PROPERTY;
        }
        if (url == null && !isBlank(System.getenv(REDIS_URL_ENV))) {
            url = System.getenv(REDIS_URL_ENV).trim();
            source = "environment variable " + REDIS_URL_ENV;
        }
        if (url == null) {
            return null;
        }
        return RedisSettings.fromUrl(source, url)
                .withTimeouts(params.getMillis(TIMEOUT, RedisSettings.DEFAULT_TIMEOUT_MILLIS, 1, 60_000),
                        params.getMillis(CONNECT_TIMEOUT, RedisSettings.DEFAULT_CONNECT_TIMEOUT_MILLIS, 1, 60_000))
                .withPool((int) params.getLong(POOL_MAX_TOTAL, RedisSettings.DEFAULT_POOL_MAX_TOTAL, 1, 10_000),
                        params.getMillis(POOL_MAX_WAIT, RedisSettings.DEFAULT_POOL_MAX_WAIT_MILLIS, 0, 60_000))
                .withBreaker((int) params.getLong(BREAKER_FAILURES, StoreCircuitBreaker.DEFAULT_FAILURES, 1, 1_000),
                        params.getMillis(BREAKER_OPEN, StoreCircuitBreaker.DEFAULT_OPEN_MILLIS, 100, 3_600_000),
                        (int) params.getLong(BREAKER_PROBES, StoreCircuitBreaker.DEFAULT_PROBES, 1, 100));
    }

    private static boolean isBlank(String s) {
        return s == null || s.trim().isEmpty();
    }
}
