package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.AuditLog;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.StoreContract;
import dev.ratelimit.core.StoreUnavailableException;
import dev.ratelimit.core.live.LiveOverrides;
import dev.ratelimit.core.live.OverrideChange;
import dev.ratelimit.core.testing.FakeRequest;
import dev.ratelimit.testing.TestRedis;
import dev.ratelimit.testing.TestRedisCluster;

/** The algorithm contract on a 3-master Redis Cluster, and what only a cluster can get wrong. */
class ClusterStoreTest extends StoreContract {

    private static TestRedisCluster cluster;
    private static RedisClients clients;
    private static RedisStore store;

    @BeforeAll
    static void start() {
        cluster = TestRedisCluster.start();
        clients = new RedisClients();
        store = Topologies.open(clients, Topologies.params(RedisParams.REDIS_CLUSTER, cluster.seeds()));
    }

    @AfterAll
    static void stop() {
        if (clients != null) {
            clients.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected RateLimitStore store() {
        return store;
    }

    private static RateLimiter limiter(String scope, String limits) {
        Policy policy = Policy.builder(scope).scope(scope).failureMode(FailureMode.CLOSED)
                .limits(Limit.parseAll("limits", limits)).build();
        return new RateLimiter(policy, store, null);
    }

    @Test
    void live_overrides_reach_another_instance_by_the_version_check_alone() throws InterruptedException {
        RedisSettings settings = Topologies.settings(Topologies.params(RedisParams.REDIS_CLUSTER, cluster.seeds()), java.util.Map.of());
        Policy policy = Policy.builder("live").keyPrefix("clu").limits(Limit.parseAll("limits", "100/1h")).build();
        try (RedisClients other = new RedisClients();
             LiveOverrides a = new LiveOverrides(clients.overrides(settings, "clu"), new AuditLog(10), "a");
             LiveOverrides b = new LiveOverrides(other.overrides(settings, "clu"), new AuditLog(10), "b")) {
            RateLimiter onA = new RateLimiter(policy, store, null);
            RateLimiter onB = new RateLimiter(policy, store, null);
            a.register(onA);
            b.register(onB);
            a.change(new OverrideChange(OverrideChange.Action.SET_LIMITS, "live", null, "7/1h", "a", null));
            assertThat(onA.policy().limits().get(0).permits()).isEqualTo(7);
            long start = System.nanoTime();
            while (onB.policy().limits().get(0).permits() != 7) {
                assertThat(System.nanoTime() - start).as("applied on b").isLessThan(15_000_000_000L);
                Thread.sleep(20);
            }
            System.out.println("[cluster] live override applied on the other instance after "
                    + (System.nanoTime() - start) / 1_000_000 + " ms (version check only)");
            assertThat(((RedisOverrideStore) b.store()).subscribed()).as("no subscription on a cluster").isFalse();
        }
    }

    @Test
    void spreads_the_keys_of_different_identities_over_every_master() {
        cluster.flushAll();
        RateLimiter limiter = limiter("spread", "10/1m");
        for (int i = 0; i < 60; i++) {
            assertThat(limiter.acquire(FakeRequest.from("10.1.0." + i)).source()).isEqualTo(DecisionSource.REDIS);
        }
        List<Long> perMaster = cluster.keysPerMaster();
        System.out.println("[cluster] keys of 60 identities per master: " + perMaster);
        assertThat(perMaster).hasSize(3).allSatisfy(n -> assertThat(n).isPositive());
        assertThat(perMaster.stream().mapToLong(Long::longValue).sum()).isEqualTo(60);
    }

    @Test
    void checks_every_limit_of_a_multi_limit_policy_in_one_script_on_a_cluster() {
        RateLimiter limiter = limiter("multi", "3/1s, 5/1h, 100/1d");
        String address = "10.2.0.1";
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.acquire(FakeRequest.from(address)).allowed()).isTrue();
        }
        Decision denied = limiter.acquire(FakeRequest.from(address));
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.limit()).isEqualTo(3);
        assertThat(denied.source()).isEqualTo(DecisionSource.REDIS);
        // Another identity, very likely on another master, is not affected.
        assertThat(limiter.acquire(FakeRequest.from("10.2.0.2")).allowed()).isTrue();
    }

    @Test
    void finds_keys_on_every_master_and_resets_them_across_slots() {
        cluster.flushAll();
        RateLimiter limiter = limiter("admin-reset", "1/1h");
        for (int i = 0; i < 30; i++) {
            limiter.acquire(FakeRequest.from("10.3.0." + i));
        }
        List<String> keys = store.keysMatching("ratelimit:admin-reset:*");
        assertThat(keys).hasSize(30).doesNotHaveDuplicates();
        store.reset(keys);
        assertThat(cluster.keysPerMaster()).containsOnly(0L);
        assertThat(limiter.acquire(FakeRequest.from("10.3.0.1")).allowed()).isTrue();
    }

    @Test
    void remembers_a_key_once_on_a_cluster() {
        String key = "ratelimit:webhook:*:/hook:*:{sig=" + System.nanoTime() + "}";
        assertThat(store.remember(key, 60_000)).isTrue();
        assertThat(store.remember(key, 60_000)).isFalse();
    }

    @Test
    void starts_in_the_failure_mode_when_no_seed_answers() {
        String nowhere = "127.0.0.1:" + TestRedis.freePort() + ",127.0.0.1:" + TestRedis.freePort();
        try (RedisClients own = new RedisClients()) {
            RedisStore unreachable = Topologies.open(own, Topologies.params(RedisParams.REDIS_CLUSTER, nowhere,
                    RedisParams.CONNECT_TIMEOUT, "200ms"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                    unreachable.acquire(Algorithm.FIXED_WINDOW, List.of(key("down")), limits("1/1m"), 1))
                    .isInstanceOf(StoreUnavailableException.class);
            assertThat(unreachable.health().up()).isFalse();
        }
    }
}
