package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.ratelimit.core.ConfigurationException;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.StoreContract;
import dev.ratelimit.testing.TestRedisSentinel;

/** The algorithm contract on the master that three sentinels name. */
class SentinelStoreTest extends StoreContract {

    private static TestRedisSentinel sentinel;
    private static RedisClients clients;
    private static RedisStore store;

    @BeforeAll
    static void start() {
        sentinel = TestRedisSentinel.start();
        clients = new RedisClients();
        store = Topologies.open(clients, Topologies.params(RedisParams.REDIS_SENTINELS, sentinel.sentinels(),
                RedisParams.REDIS_SENTINEL_MASTER, sentinel.masterName()));
    }

    @AfterAll
    static void stop() {
        if (clients != null) {
            clients.close();
        }
        if (sentinel != null) {
            sentinel.close();
        }
    }

    @Override
    protected RateLimitStore store() {
        return store;
    }

    @Test
    void writes_to_the_master_the_sentinels_name() {
        String key = key("where");
        store.acquire(dev.ratelimit.core.Algorithm.FIXED_WINDOW, java.util.List.of(key), limits("5/1m"), 1);
        assertThat(sentinel.master().command("GET", key)).isEqualTo("1");
        assertThat(store.describe()).startsWith("redis-sentinel://").endsWith("/" + sentinel.masterName() + "/0");
    }

    @Test
    void fails_at_startup_naming_an_unknown_master() {
        try (RedisClients own = new RedisClients()) {
            assertThatThrownBy(() -> Topologies.open(own, Topologies.params(RedisParams.REDIS_SENTINELS,
                    sentinel.sentinels(), RedisParams.REDIS_SENTINEL_MASTER, "no-such-master")))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("'redis-sentinel-master'").hasMessageContaining("no-such-master");
        }
    }
}
