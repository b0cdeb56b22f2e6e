package dev.ratelimit.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of three masters (no replicas) on free loopback ports, built without redis-cli:
 * CLUSTER ADDSLOTSRANGE gives each master a third of the 16384 slots, CLUSTER MEET joins them. Start it
 * once per test class ({@code @BeforeAll}) and close it after ({@code @AfterAll}); it is ready in ~1-2 s.
 */
public final class TestRedisCluster implements AutoCloseable {

    private static final int SLOTS = 16_384;

    private final List<RedisProcess> masters = new ArrayList<>();
    private final List<Integer> busPorts = new ArrayList<>();

    private TestRedisCluster() {
    }

    public static TestRedisCluster start() {
        TestRedisCluster cluster = new TestRedisCluster();
        try {
            cluster.build(3);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        System.out.println("[test-redis] cluster of 3 masters on " + cluster.seeds() + " (" + RedisBinaries.server() + ")");
        return cluster;
    }

    private void build(int count) {
        Path dir;
        try {
            dir = Files.createTempDirectory("test-redis-cluster");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < count; i++) {
            int port = TestRedis.freePort();
            // A bus port of its own: the default (port + 10000) may be taken, or past 65535 for a high free port.
            int busPort = TestRedis.freePort();
            busPorts.add(busPort);
            masters.add(RedisProcess.spawn("cluster-node-" + port, port, dir, null, List.of(
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                    "--cluster-port", String.valueOf(busPort), "--cluster-node-timeout", "2000")));
        }
        for (int i = 0; i < count; i++) {
            RedisProcess node = masters.get(i).awaitPong();
            int first = i * SLOTS / count;
            int last = (i + 1) * SLOTS / count - 1;
            expectOk(node.command("CLUSTER", "ADDSLOTSRANGE", String.valueOf(first), String.valueOf(last)));
            if (i > 0) {
                expectOk(masters.get(0).command("CLUSTER", "MEET", "127.0.0.1", String.valueOf(node.port()),
                        String.valueOf(busPorts.get(i))));
            }
        }
        awaitState(Duration.ofSeconds(20));
    }

    private void awaitState(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            boolean ready = true;
            for (RedisProcess node : masters) {
                last = node.command("CLUSTER", "INFO");
                ready &= last.contains("cluster_state:ok") && last.contains("cluster_known_nodes:" + masters.size());
            }
            if (ready) {
                return;
            }
            RedisProcess.sleep(50);
        }
        throw new IllegalStateException("Cluster not ready within " + timeout + ": " + last);
    }

    private static void expectOk(String reply) {
        if (!reply.equals("OK")) {
            throw new IllegalStateException("Cluster setup failed: " + reply);
        }
    }

    /** {@code 127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3}, for {@code redis-cluster}. */
    public String seeds() {
        return masters.stream().map(m -> "127.0.0.1:" + m.port()).collect(Collectors.joining(","));
    }

    public List<RedisProcess> masters() {
        return masters;
    }

    /** The number of keys each master holds, in {@link #masters()} order. */
    public List<Long> keysPerMaster() {
        return masters.stream().map(m -> Long.parseLong(m.command("DBSIZE"))).collect(Collectors.toList());
    }

    public void flushAll() {
        masters.forEach(m -> m.command("FLUSHALL"));
    }

    @Override
    public void close() {
        masters.forEach(RedisProcess::close);
    }
}
