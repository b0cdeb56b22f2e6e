package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.core.PermitStore;
import dev.ratelimit.core.PermitStoreContract;
import dev.ratelimit.core.StoreCircuitBreaker;
import dev.ratelimit.testing.TestRedisExtension;
import redis.clients.jedis.UnifiedJedis;

class RedisPermitStoreTest extends PermitStoreContract {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static RedisClients clients;
    private static RedisStore store;

    @BeforeAll
    static void connect() {
        clients = new RedisClients();
        store = clients.open(settings(32));
    }

    private static RedisSettings settings(int pool) {
        return RedisUrl.standalone("redis-url", REDIS.url()).timeouts(2_000, 2_000).pool(pool, 2_000).build();
    }

    @AfterAll
    static void disconnect() {
        store.close();
        clients.close();
    }

    @Override
    protected PermitStore permits() {
        return store.permits();
    }

    @Test
    void two_instances_on_one_redis_share_the_limit_exactly() throws Exception {
        String key = key("shared");
        try (RedisClients otherClients = new RedisClients()) {
            // Another pool size: other settings, so a client (pool) of its own, as on another instance.
            RedisStore other = otherClients.open(settings(16));
            List<PermitStore> instances = List.of(store.permits(), other.permits());
            ExecutorService pool = Executors.newFixedThreadPool(16);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                PermitStore instance = instances.get(i % 2);
                String holder = "h" + i;
                results.add(pool.submit(() -> {
                    start.await();
                    return instance.acquire(key, 7, 60_000, holder).granted();
                }));
            }
            start.countDown();
            int granted = 0;
            for (Future<Boolean> result : results) {
                granted += result.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            pool.shutdown();
            assertThat(otherClients.openClients()).isEqualTo(1);
            assertThat(granted).isEqualTo(7);
            assertThat(other.permits().acquire(key, 7, 60_000, "late").granted()).isFalse();
        }
    }

    @Test
    void gives_the_key_a_ttl_of_one_lease_past_its_last_lease() {
        String key = key("ttl");
        store.permits().acquire(key, 3, 60_000, "a");
        assertThat(Long.parseLong(REDIS.redis().command("PTTL", key))).isBetween(60_001L, 120_000L);
        store.permits().renew(Map.of(key, List.of("a")), 120_000);
        assertThat(Long.parseLong(REDIS.redis().command("PTTL", key))).isBetween(120_001L, 240_000L);
    }

    @Test
    void renews_every_holder_of_an_instance_in_one_script_call_per_thousand() {
        Map<String, List<String>> holders = new LinkedHashMap<>();
        for (int k = 0; k < 5; k++) {
            String key = key("batch" + k);
            List<String> list = new ArrayList<>();
            for (int h = 0; h < 300; h++) {
                store.permits().acquire(key, 1_000, 60_000, "h" + h);
                list.add("h" + h);
            }
            holders.put(key, list);
        }
        long before = REDIS.redis().scriptCalls();
        assertThat(store.permits().renew(holders, 60_000)).isEqualTo(1_500);
        long calls = REDIS.redis().scriptCalls() - before;
        System.out.println("[permits] script calls to renew 1500 holders of 5 identities: " + calls);
        assertThat(calls).isEqualTo(2);

        before = REDIS.redis().scriptCalls();
        assertThat(store.permits().renew(Map.of(key("one"), List.of("x"), key("two"), List.of("y")), 60_000)).isZero();
        assertThat(REDIS.redis().scriptCalls() - before).as("two identities, one call").isEqualTo(1);
    }

    @Test
    void a_renewal_is_one_probe_of_a_half_open_breaker_not_two() throws InterruptedException {
        StoreCircuitBreaker breaker = new StoreCircuitBreaker("probe", 1, 50, 2);
        try (LazyRedisClient connection = LazyRedisClient.open(settings(4))) {
            UnifiedJedis client = connection.client();
            RedisStore own = new RedisStore(() -> client, new ScriptCalls(() -> client, () -> { }, 2_000, 2_000, false, 8),
                    "probe", breaker, () -> { });
            breaker.tryAcquire();
            breaker.recordFailure();
            Thread.sleep(150);
            own.permits().renew(Map.of(key("probe"), List.of("h")), 60_000);
            assertThat(breaker.state()).as("one Redis call, one of the two probes").isEqualTo("half-open");
        }
    }

}
