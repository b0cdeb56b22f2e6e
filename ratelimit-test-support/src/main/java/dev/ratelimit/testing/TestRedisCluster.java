package dev.ratelimit.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of three masters on free loopback ports, built without redis-cli:
 * CLUSTER ADDSLOTSRANGE gives each master a third of the 16384 slots, CLUSTER MEET joins them. Start it
 * once per test class ({@code @BeforeAll}) and close it after ({@code @AfterAll}); it is ready in ~1-2 s.
 * {@link #startWithReplicas} adds one replica per master (CLUSTER REPLICATE), for failover tests.
 */
public final class TestRedisCluster implements AutoCloseable {

    private static final int SLOTS = 16_384;

    private final List<RedisProcess> masters = new ArrayList<>();
    private final List<RedisProcess> replicas = new ArrayList<>();
    private final List<Integer> busPorts = new ArrayList<>();
    private int nodeTimeoutMillis = 2000;
    private boolean requireFullCoverage = true;
    private Path dir;

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

    /**
     * One master holding every slot: a whole cluster on one node, e.g. behind a {@link FaultProxy} whose port the
     * node announces ({@code CONFIG SET cluster-announce-port}), so that clients reach it through the proxy only.
     */
    public static TestRedisCluster startSingleNode() {
        TestRedisCluster cluster = new TestRedisCluster();
        try {
            cluster.build(1);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        System.out.println("[test-redis] cluster of 1 master on " + cluster.seeds() + " (" + RedisBinaries.server() + ")");
        return cluster;
    }

    /**
     * Three masters and one replica each, every node with {@code cluster-node-timeout} {@code nodeTimeoutMillis}
     * (how long a master may be silent before its replica takes over). {@link #masters()} and {@link #replicas()}
     * are in the same order: {@code replicas().get(i)} replicates {@code masters().get(i)}. With
     * {@code requireFullCoverage} false ({@code cluster-require-full-coverage no}) the healthy masters keep
     * answering while a failed master's slots have no owner; Redis' default (true) refuses every key then.
     */
    public static TestRedisCluster startWithReplicas(int nodeTimeoutMillis, boolean requireFullCoverage) {
        TestRedisCluster cluster = new TestRedisCluster();
        cluster.nodeTimeoutMillis = nodeTimeoutMillis;
        cluster.requireFullCoverage = requireFullCoverage;
        try {
            cluster.build(3);
            cluster.addReplicas();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        System.out.println("[test-redis] cluster of 3 masters and 3 replicas on " + cluster.seeds()
                + ", cluster-node-timeout " + nodeTimeoutMillis + " ms, cluster-require-full-coverage "
                + (requireFullCoverage ? "yes" : "no") + " (" + RedisBinaries.server() + ")");
        return cluster;
    }

    private RedisProcess spawnNode() {
        int port = TestRedis.freePort();
        // A bus port of its own: the default (port + 10000) may be taken, or past 65535 for a high free port.
        int busPort = TestRedis.freePort();
        busPorts.add(busPort);
        return RedisProcess.spawn("cluster-node-" + port, port, dir, null, List.of(
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                "--cluster-port", String.valueOf(busPort), "--cluster-node-timeout", String.valueOf(nodeTimeoutMillis),
                "--cluster-require-full-coverage", requireFullCoverage ? "yes" : "no"));
    }

    private void addReplicas() {
        for (int i = 0; i < masters.size(); i++) {
            RedisProcess replica = spawnNode();
            replicas.add(replica);
            replica.awaitPong();
            expectOk(masters.get(0).command("CLUSTER", "MEET", "127.0.0.1", String.valueOf(replica.port()),
                    String.valueOf(busPorts.get(busPorts.size() - 1))));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        for (int i = 0; i < replicas.size(); i++) {
            String masterId = masters.get(i).command("CLUSTER", "MYID");
            String reply = "";
            // The replica must have heard of its master by gossip before it may replicate it.
            while (!(reply = replicas.get(i).command("CLUSTER", "REPLICATE", masterId)).equals("OK")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Cluster setup failed: CLUSTER REPLICATE " + reply);
                }
                RedisProcess.sleep(50);
            }
        }
        while (true) {
            boolean synced = true;
            for (RedisProcess replica : replicas) {
                synced &= replica.command("INFO", "replication").contains("master_link_status:up");
            }
            for (RedisProcess node : all()) {
                String info = node.command("CLUSTER", "INFO");
                synced &= info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:" + all().size());
            }
            if (synced) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Replicas not in sync within 20 s");
            }
            RedisProcess.sleep(50);
        }
    }

    /**
     * Moves one slot from {@code source} to {@code target} as {@code redis-cli --cluster reshard} does
     * (SETSLOT IMPORTING/MIGRATING, MIGRATE of its keys, SETSLOT NODE on every master), one key per MIGRATE
     * with {@code pauseMillis} between them, so clients meet the slot half moved ({@code ASK}) for a while.
     *
     * @return the number of keys moved
     */
    public int migrateSlot(int slot, RedisProcess source, RedisProcess target, long pauseMillis) {
        String sourceId = source.command("CLUSTER", "MYID");
        String targetId = target.command("CLUSTER", "MYID");
        String s = String.valueOf(slot);
        expectOk(target.command("CLUSTER", "SETSLOT", s, "IMPORTING", sourceId));
        expectOk(source.command("CLUSTER", "SETSLOT", s, "MIGRATING", targetId));
        int moved = 0;
        while (true) {
            String keys = source.command("CLUSTER", "GETKEYSINSLOT", s, "1");
            if (keys.isEmpty()) {
                break;
            }
            String reply = source.command("MIGRATE", "127.0.0.1", String.valueOf(target.port()), keys.trim(), "0", "5000");
            if (!reply.equals("OK") && !reply.equals("NOKEY")) {
                throw new IllegalStateException("MIGRATE of slot " + slot + " failed: " + reply);
            }
            moved++;
            RedisProcess.sleep(pauseMillis);
        }
        expectOk(target.command("CLUSTER", "SETSLOT", s, "NODE", targetId));
        expectOk(source.command("CLUSTER", "SETSLOT", s, "NODE", targetId));
        for (RedisProcess master : masters) {
            if (master != source && master != target) {
                expectOk(master.command("CLUSTER", "SETSLOT", s, "NODE", targetId));
            }
        }
        return moved;
    }

    /** Masters and replicas, as started (a replica may be a master after a failover). */
    public List<RedisProcess> all() {
        List<RedisProcess> nodes = new ArrayList<>(masters);
        nodes.addAll(replicas);
        return nodes;
    }

    /** The replicas, {@code replicas().get(i)} of {@code masters().get(i)}; empty unless {@link #startWithReplicas}. */
    public List<RedisProcess> replicas() {
        return replicas;
    }

    /** Whether every node still running reports {@code cluster_state:ok}. */
    public boolean stateOk() {
        for (RedisProcess node : all()) {
            if (node.alive() && !node.command("CLUSTER", "INFO").contains("cluster_state:ok")) {
                return false;
            }
        }
        return true;
    }

    private void build(int count) {
        try {
            dir = Files.createTempDirectory("test-redis-cluster");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < count; i++) {
            masters.add(spawnNode());
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
        replicas.forEach(RedisProcess::close);
    }
}
