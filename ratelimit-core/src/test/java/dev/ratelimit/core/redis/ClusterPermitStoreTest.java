package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.ratelimit.core.PermitStore;
import dev.ratelimit.core.PermitStoreContract;
import dev.ratelimit.testing.RedisProcess;
import dev.ratelimit.testing.TestRedis;
import dev.ratelimit.testing.TestRedisCluster;
import redis.clients.jedis.util.JedisClusterCRC16;

/** The permit contract on a 3-master Redis Cluster, and renewals grouped by slot. */
class ClusterPermitStoreTest extends PermitStoreContract {

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
    protected PermitStore permits() {
        return store.permits();
    }

    @Test
    void renews_the_holders_of_many_identities_in_one_call_per_slot() {
        Map<String, List<String>> holders = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            String key = "ratelimit:conc:{ip=10.9.0." + i + "}";
            store.permits().acquire(key, 5, 60_000, "a");
            store.permits().acquire(key, 5, 60_000, "b");
            holders.put(key, List.of("a", "b"));
        }
        // Another key with the same hash tag, so in the same slot: renewed in that slot's one call.
        holders.put("ratelimit:conc:{ip=10.9.0.0}:other", List.of("none"));
        Set<Integer> slots = holders.keySet().stream().map(JedisClusterCRC16::getSlot).collect(Collectors.toSet());
        long before = scriptCalls();
        assertThat(store.permits().renew(holders, 60_000)).isEqualTo(40);
        long calls = scriptCalls() - before;
        System.out.println("[permits] cluster: script calls to renew 20 identities in " + slots.size() + " slots: " + calls);
        assertThat(calls).isEqualTo(slots.size());
    }

    private static long scriptCalls() {
        long calls = 0;
        for (RedisProcess master : cluster.masters()) {
            calls += TestRedis.scriptCallsIn(master.command("INFO", "commandstats"));
        }
        return calls;
    }
}
