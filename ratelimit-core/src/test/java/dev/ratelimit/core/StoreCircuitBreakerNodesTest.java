package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Node breakers (one per Redis Cluster master): each opens alone; the client's breaker reports the worst and forces them all. */
class StoreCircuitBreakerNodesTest {

    private static void fail(StoreCircuitBreaker breaker, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(breaker.tryAcquire()).isTrue();
            breaker.recordFailure();
        }
    }

    @Test
    void a_failing_node_opens_its_own_breaker_only() {
        StoreCircuitBreaker client = new StoreCircuitBreaker("cluster", 2, 60_000, 1);
        fail(client.forNode("127.0.0.1:7001"), 2);

        assertThat(client.forNode("127.0.0.1:7001").tryAcquire()).isFalse();
        assertThat(client.forNode("127.0.0.1:7002").tryAcquire()).isTrue();
        client.forNode("127.0.0.1:7002").recordSuccess();
        assertThat(client.nodeStates()).containsEntry("127.0.0.1:7001", "open").containsEntry("127.0.0.1:7002", "closed");
        assertThat(client.state()).as("the worst node's").isEqualTo("open");
    }

    @Test
    void a_node_that_left_the_topology_no_longer_counts() {
        StoreCircuitBreaker client = new StoreCircuitBreaker("cluster", 1, 60_000, 1);
        fail(client.forNode("127.0.0.1:7001"), 1);
        client.forNode("127.0.0.1:7004");

        client.keepNodes(List.of("127.0.0.1:7004"));

        assertThat(client.nodeStates()).containsOnlyKeys("127.0.0.1:7004");
        assertThat(client.state()).isEqualTo("closed");
    }

    @Test
    void forcing_the_client_breaker_forces_its_nodes() {
        StoreCircuitBreaker client = new StoreCircuitBreaker("cluster", 1, 60_000, 1);
        StoreCircuitBreaker node = client.forNode("127.0.0.1:7001");
        fail(node, 1);

        client.forceOpen();
        StoreCircuitBreaker other = client.forNode("127.0.0.1:7002");
        assertThat(other.tryAcquire()).isFalse();
        assertThat(other.state()).isEqualTo("forced-open");
        assertThat(client.state()).isEqualTo("forced-open");

        client.forceClose();
        assertThat(node.state()).as("force-closed with the client").isEqualTo("closed");
        assertThat(other.tryAcquire()).isTrue();
        other.recordSuccess();
        assertThat(client.state()).isEqualTo("closed");
    }
}
