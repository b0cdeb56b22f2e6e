package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.testing.FakeRequest;
import dev.ratelimit.testing.FaultProxy;
import dev.ratelimit.testing.RedisProcess;
import dev.ratelimit.testing.TestRedisCluster;
import dev.ratelimit.testing.TestRedisExtension;
import dev.ratelimit.testing.TestRedisSentinel;

/**
 * {@link DrippedReplyDeadlineTest} through a Sentinel-managed master and through a Cluster node: the node's
 * replies are dripped one byte at a time by a {@link FaultProxy} the client reaches it through (the sentinel
 * monitors the proxy's address; the one-node cluster announces the proxy's port). Jedis' per-read
 * {@code timeout} never trips; before those connections were wrapped ({@link DeadlinePools}) a call took as
 * long as the reply (about 5 s); now it ends within its budget and the failure mode decides. A hang check,
 * not a speed check: the bound is the budget plus a second.
 */
class DrippedReplyDeadlineTopologiesTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    static final long TIMEOUT = 150;
    static final long CONNECT_TIMEOUT = 200;
    static final long POOL_WAIT = 100;
    static final long BUDGET = POOL_WAIT + 2 * (CONNECT_TIMEOUT + TIMEOUT);
    static final long MARGIN = 1_000;

    @Test
    void a_dripped_reply_from_a_sentinel_managed_master_ends_within_the_budget() {
        try (FaultProxy proxy = new FaultProxy(REDIS.redis().host(), REDIS.redis().port());
             RedisProcess sentinel = TestRedisSentinel.sentinelFor("127.0.0.1", proxy.port())) {
            RedisSettings settings = RedisUrl.sentinel("redis-sentinels", "127.0.0.1:" + sentinel.port(), TestRedisSentinel.MASTER_NAME)
                    .timeouts(TIMEOUT, CONNECT_TIMEOUT).pool(4, POOL_WAIT).breaker(1_000, 1_000, 3).build();
            dripAndMeasure("sentinel", proxy, settings);
        }
    }

    @Test
    void a_dripped_reply_from_a_cluster_node_ends_within_the_budget() {
        try (TestRedisCluster cluster = TestRedisCluster.startSingleNode()) {
            RedisProcess node = cluster.masters().get(0);
            try (FaultProxy proxy = new FaultProxy("127.0.0.1", node.port())) {
                // The node names the proxy in CLUSTER SLOTS, so the client's every connection goes through it.
                node.command("CONFIG", "SET", "cluster-announce-ip", "127.0.0.1");
                node.command("CONFIG", "SET", "cluster-announce-port", String.valueOf(proxy.port()));
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!node.command("CLUSTER", "SLOTS").contains(String.valueOf(proxy.port()))) {
                    assertThat(System.nanoTime()).as("node announces the proxy's port").isLessThan(deadline);
                    sleep(50);
                }
                RedisSettings settings = RedisUrl.cluster("redis-cluster", "127.0.0.1:" + proxy.port())
                        .timeouts(TIMEOUT, CONNECT_TIMEOUT).pool(4, POOL_WAIT).breaker(1_000, 1_000, 3).build();
                dripAndMeasure("cluster", proxy, settings);
            }
        }
    }

    private static void dripAndMeasure(String topology, FaultProxy proxy, RedisSettings settings) {
        try (RedisClients clients = new RedisClients(); RedisStore store = clients.open(settings)) {
            Policy policy = Policy.builder("api").failureMode(FailureMode.OPEN)
                    .limits(Limit.parseAll("limits", "1000/1h")).build();
            RateLimiter limiter = new RateLimiter(policy, store, new InMemoryStore());
            assertThat(limiter.acquire(new FakeRequest()).source()).as("before the drip").isEqualTo(DecisionSource.REDIS);
            long before = proxy.accepted();

            proxy.drip(TIMEOUT * 2 / 3);
            List<Long> latencies = new ArrayList<>();
            List<DecisionSource> sources = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                Decision d = limiter.acquire(new FakeRequest());
                latencies.add((System.nanoTime() - start) / 1_000_000);
                sources.add(d.source());
            }
            System.out.println("[drip] " + topology + ": latencies " + latencies + " ms, sources " + sources + ", budget "
                    + BUDGET + " ms, connections through the proxy " + proxy.accepted() + " (" + before + " before the drip)");
            assertThat(latencies).allSatisfy(ms -> assertThat(ms).as("call latency, ms").isLessThanOrEqualTo(BUDGET + MARGIN));
            assertThat(sources).containsOnly(DecisionSource.BYPASS);

            proxy.passThrough();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            DecisionSource after;
            // A Cluster client may need its next slot-map refresh (every second) before it is back.
            while ((after = limiter.acquire(new FakeRequest()).source()) != DecisionSource.REDIS && System.nanoTime() < deadline) {
                sleep(100);
            }
            assertThat(after).as("after the drip").isEqualTo(DecisionSource.REDIS);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
