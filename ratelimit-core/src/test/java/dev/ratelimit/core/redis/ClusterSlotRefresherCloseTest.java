package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.ratelimit.testing.FaultProxy;
import dev.ratelimit.testing.RedisProcess;
import dev.ratelimit.testing.TestRedisCluster;

/**
 * Undeploy while the Cluster client's periodic slot-map refresh is stuck on a silent node: once the store is
 * closed, no thread the client started may be left (Tomcat reports such a thread as a leak of the web
 * application). The one-node cluster announces a {@link FaultProxy}'s port, so every connection, the slot-map
 * reads included, goes through the proxy; the proxy then black-holes, and the store closes while a refresh waits
 * for its read {@code timeout}. Before the limiter ran the refresh itself ({@link ClusterSlotRefresher}), Jedis'
 * own executor thread ({@code pool-N-thread-1}) was only told to stop and outlived {@code close()}.
 */
class ClusterSlotRefresherCloseTest {

    /** Long enough that a refresh stuck on a read is still stuck when the store closes. */
    static final long TIMEOUT = 1_500;
    static final long CONNECT_TIMEOUT = 500;

    @Test
    void a_slot_map_refresh_stuck_on_a_black_holed_node_leaves_no_thread_after_close() {
        try (TestRedisCluster cluster = TestRedisCluster.startSingleNode()) {
            RedisProcess node = cluster.masters().get(0);
            try (FaultProxy proxy = new FaultProxy("127.0.0.1", node.port())) {
                node.command("CONFIG", "SET", "cluster-announce-ip", "127.0.0.1");
                node.command("CONFIG", "SET", "cluster-announce-port", String.valueOf(proxy.port()));
                waitFor("the node announces the proxy's port",
                        () -> node.command("CLUSTER", "SLOTS").contains(String.valueOf(proxy.port())));
                RedisSettings settings = RedisUrl.cluster("redis-cluster", "127.0.0.1:" + proxy.port())
                        .timeouts(TIMEOUT, CONNECT_TIMEOUT).pool(4, 100).build();

                Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
                RedisClients clients = new RedisClients();
                RedisStore store = clients.open(settings);
                assertThat(store.remember("slot-refresher-close", 60_000)).as("the store answers before the black hole").isTrue();

                proxy.blackHole();
                waitFor("a slot-map refresh blocked in a read from the black-holed node",
                        ClusterSlotRefresherCloseTest::refreshBlockedInRead);
                long start = System.nanoTime();
                store.close();
                long closeMillis = (System.nanoTime() - start) / 1_000_000;

                List<String> left = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> !before.contains(t) && t.isAlive())
                        .filter(t -> !t.getName().startsWith("fault-proxy-")) // the proxy's own, one per connection
                        .map(t -> t.getName() + " " + t.getState())
                        .collect(Collectors.toList());
                System.out.println("[slot-refresher] close() took " + closeMillis + " ms; threads left: " + left);
                assertThat(left).as("threads started with the client, alive after close()").isEmpty();
                clients.close();
            }
        }
    }

    private static boolean refreshBlockedInRead() {
        for (StackTraceElement[] stack : Thread.getAllStackTraces().values()) {
            boolean refreshing = false;
            boolean reading = false;
            for (StackTraceElement frame : stack) {
                refreshing |= frame.getMethodName().equals("renewClusterSlots");
                reading |= (frame.getClassName().startsWith("java.net.") || frame.getClassName().startsWith("sun.nio."))
                        && frame.getMethodName().toLowerCase().contains("read");
            }
            if (refreshing && reading) {
                return true;
            }
        }
        return false;
    }

    private static void waitFor(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
