package dev.ratelimit.core.redis;

import java.util.Set;

import dev.ratelimit.core.StoreCircuitBreaker;

/**
 * Chooses the circuit breaker a Redis call passes by the node that serves its key: on a Redis Cluster
 * the breaker of the key slot's master, so a failed master opens the breaker for its slots only and the
 * keys of the healthy masters keep being counted; once its replica is promoted (the client re-reads the
 * slot map every second) the slots map to the new master, whose breaker is closed. Other topologies, and
 * a cluster not reached yet, use the client's one breaker.
 */
final class ClusterBreakers {

    private static final long PRUNE_EVERY_NANOS = 1_000_000_000L;

    private final LazyRedisClient client;
    private final StoreCircuitBreaker breaker;
    private volatile long lastPrune = System.nanoTime();

    ClusterBreakers(LazyRedisClient client, StoreCircuitBreaker breaker) {
        this.client = client;
        this.breaker = breaker;
    }

    StoreCircuitBreaker forKey(String key) {
        String node = client.nodeOf(key);
        if (node == null) {
            return breaker;
        }
        long now = System.nanoTime();
        if (now - lastPrune > PRUNE_EVERY_NANOS) {
            lastPrune = now;
            // A node that lost its slots keeps no breaker, so breaker-state shows the nodes in use only.
            Set<String> masters = client.clusterMasters();
            if (!masters.isEmpty()) {
                breaker.keepNodes(masters);
            }
        }
        return breaker.forNode(node);
    }
}
