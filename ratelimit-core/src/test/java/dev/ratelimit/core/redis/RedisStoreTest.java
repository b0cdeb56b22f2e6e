package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.StoreContract;
import dev.ratelimit.core.StoreHealth;
import dev.ratelimit.core.StoreUnavailableException;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.testing.TestRedisExtension;

class RedisStoreTest extends StoreContract {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static RedisClients clients;
    private static RedisStore store;

    @BeforeAll
    static void connect() {
        clients = new RedisClients();
        store = clients.open(RedisUrl.standalone("redis-url", REDIS.url()).timeouts(2_000, 2_000).pool(32, 2_000).build());
    }

    @AfterAll
    static void disconnect() {
        store.close();
        clients.close();
    }

    @Override
    protected RateLimitStore store() {
        return store;
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void decides_exactly_as_the_in_memory_store(Algorithm algorithm) {
        InMemoryStore memory = new InMemoryStore();
        String redisKey = key("twin");
        List<Limit> limits = limits("4/1h, 6/1d");
        long[] costs = {1, 2, 1, 1, 3, 1, 1};
        List<String> seenByRedis = new ArrayList<>();
        List<String> seenByMemory = new ArrayList<>();
        for (long cost : costs) {
            seenByRedis.add(summary(store.acquire(algorithm, List.of(redisKey, redisKey + ":d"), limits, cost)));
            seenByMemory.add(summary(memory.acquire(algorithm, List.of("m:{a}", "m:{a}:d"), limits, cost)));
        }
        assertThat(seenByRedis).isEqualTo(seenByMemory);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void reserves_and_gives_back_exactly_as_the_in_memory_store(Algorithm algorithm) {
        InMemoryStore memory = new InMemoryStore();
        String redisKey = key("twin-reserve");
        List<String> redisKeys = List.of(redisKey, redisKey + ":d");
        List<String> memoryKeys = List.of("m:{r}", "m:{r}:d");
        List<Limit> limits = limits("9/1h, 14/1d");
        List<String> seenByRedis = new ArrayList<>();
        List<String> seenByMemory = new ArrayList<>();
        long[][] steps = {{1, 4}, {2, 3}, {1, 8}, {3, 2}, {1, 1}};
        for (long[] step : steps) {
            long cost = step[0];
            long units = step[1];
            dev.ratelimit.core.Reservation r = store.reserve(algorithm, redisKeys, limits, cost, units, 1_000);
            dev.ratelimit.core.Reservation m = memory.reserve(algorithm, memoryKeys, limits, cost, units, 1_000);
            seenByRedis.add(r.units() + ":" + summary(r.decision()));
            seenByMemory.add(m.units() + ":" + summary(m.decision()));
            store.giveBack(algorithm, redisKeys, limits, cost, r, r.units() / 2);
            memory.giveBack(algorithm, memoryKeys, limits, cost, m, m.units() / 2);
            seenByRedis.add(summary(store.acquire(algorithm, redisKeys, limits, 1)));
            seenByMemory.add(summary(memory.acquire(algorithm, memoryKeys, limits, 1)));
        }
        assertThat(seenByRedis).isEqualTo(seenByMemory);
    }

    private static String summary(Decision d) {
        return d.allowed() + "/" + d.limit() + "/" + d.remaining();
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void gives_every_key_a_ttl_no_longer_than_its_window(Algorithm algorithm) {
        String key = key("ttl");
        store.acquire(algorithm, List.of(key), limits("3/1m"), 1);
        long ttl = Long.parseLong(REDIS.redis().command("PTTL", key));
        assertThat(ttl).isBetween(1L, 60_000L);
    }

    /** Capacities whose token lasts a fraction of a microsecond more than a whole number of them. */
    @ParameterizedTest
    @ValueSource(strings = {"3/1s", "7/1d", "700/1h", "999/1h"})
    void a_token_bucket_gives_a_burst_exactly_its_capacity(String limit) {
        String key = key("burst");
        List<Limit> limits = limits(limit);
        long capacity = limits.get(0).permits();
        int allowed = 0;
        for (int i = 0; i <= capacity; i++) {
            if (store.acquire(Algorithm.TOKEN_BUCKET, List.of(key), limits, 1).allowed()) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(capacity);
    }

    @Test
    void keeps_a_token_bucket_in_one_small_integer() {
        String key = key("small");
        store.acquire(Algorithm.TOKEN_BUCKET, List.of(key), limits("10/1h"), 1);
        assertThat(REDIS.redis().command("TYPE", key)).isEqualTo("string");
        assertThat(REDIS.redis().command("OBJECT", "ENCODING", key)).isEqualTo("int");
    }

    @Test
    void repairs_a_counter_that_lost_its_ttl() {
        String key = key("immortal");
        REDIS.redis().command("SET", key, "1");
        store.acquire(Algorithm.FIXED_WINDOW, List.of(key), limits("3/1m"), 1);
        assertThat(Long.parseLong(REDIS.redis().command("PTTL", key))).isBetween(1L, 60_000L);
    }

    @Test
    void repairs_a_counter_at_its_limit_that_lost_its_ttl_when_a_multi_limit_request_is_denied() {
        String perMinute = key("immortal-multi");
        String perDay = perMinute.replace("}", "}:day");
        REDIS.redis().command("SET", perMinute, "3");
        Decision denied = store.acquire(Algorithm.FIXED_WINDOW, List.of(perMinute, perDay), limits("3/1m, 100/1d"), 1);
        assertThat(denied.allowed()).isFalse();
        assertThat(Long.parseLong(REDIS.redis().command("PTTL", perMinute)))
                .as("a counter without TTL at its limit would deny forever").isBetween(1L, 60_000L);
        assertThat(REDIS.redis().command("EXISTS", perDay)).as("a denial creates nothing").isEqualTo("0");
    }

    @Test
    void expires_counters_in_redis_after_the_window() throws InterruptedException {
        String key = key("expiry");
        store.acquire(Algorithm.FIXED_WINDOW, List.of(key), limits("3/200ms"), 1);
        assertThat(REDIS.redis().command("EXISTS", key)).isEqualTo("1");
        Thread.sleep(400);
        assertThat(REDIS.redis().command("EXISTS", key)).isEqualTo("0");
    }

    @Test
    void reloads_its_scripts_after_redis_forgot_them() {
        REDIS.redis().command("SCRIPT", "FLUSH");
        Decision d = store.acquire(Algorithm.TOKEN_BUCKET, List.of(key("noscript")), limits("3/1m"), 1);
        assertThat(d.allowed()).isTrue();
        assertThat(REDIS.redis().command("SCRIPT", "EXISTS", LuaScript.load("lua/token-bucket.lua").sha1()))
                .isEqualTo("1");
    }

    @Test
    void reports_a_stopped_redis_as_unavailable_and_recovers_after_restart() {
        List<Limit> limits = limits("3/1m");
        REDIS.redis().stop();
        try {
            assertThatThrownBy(() -> store.acquire(Algorithm.FIXED_WINDOW, List.of(key("down")), limits, 1))
                    .isInstanceOf(StoreUnavailableException.class);
        } finally {
            REDIS.redis().restart();
        }
        // The failed call discarded the dead pooled connections and the script is reloaded on NOSCRIPT:
        // the very first call after the restart is decided by Redis.
        Decision after = store.acquire(Algorithm.FIXED_WINDOW, List.of(key("up")), limits, 1);
        assertThat(after.source()).isEqualTo(DecisionSource.REDIS);
        assertThat(after.allowed()).isTrue();
    }

    @Test
    void reports_health_with_latency_and_breaker_state() {
        StoreHealth up = store.health();
        assertThat(up.up()).isTrue();
        assertThat(up.latencyMicros()).isPositive();
        assertThat(up.breakerState()).isEqualTo("closed");
        REDIS.redis().stop();
        try {
            StoreHealth down = store.health();
            assertThat(down.up()).isFalse();
            assertThat(down.detail()).contains(REDIS.redis().host());
        } finally {
            REDIS.redis().restart();
        }
    }

    @Test
    void shares_one_client_between_stores_with_equal_settings() {
        try (RedisClients own = new RedisClients()) {
            RedisSettings settings = RedisUrl.standalone("redis-url", REDIS.url()).build();
            RedisStore first = own.open(settings);
            RedisStore second = own.open(settings);
            assertThat(own.openClients()).isEqualTo(1);
            first.close();
            first.close();
            assertThat(own.openClients()).isEqualTo(1);
            second.close();
            assertThat(own.openClients()).isZero();
        }
    }
}
