package dev.ratelimit.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A master, one replica and three sentinels (quorum 2) on free loopback ports. Sentinels call the master
 * down after {@value #DOWN_AFTER_MILLIS} ms without an answer, so a killed master is replaced within a few
 * seconds. Start it once per test class; it is ready in ~3 s (sentinels find each other by hello messages
 * every 2 s).
 */
public final class TestRedisSentinel implements AutoCloseable {

    public static final String MASTER_NAME = "ratelimit-master";
    static final int DOWN_AFTER_MILLIS = 1_000;

    private final List<RedisProcess> nodes = new ArrayList<>();
    private final List<RedisProcess> sentinels = new ArrayList<>();
    private Path dir;

    private TestRedisSentinel() {
    }

    public static TestRedisSentinel start() {
        TestRedisSentinel setup = new TestRedisSentinel();
        try {
            setup.build();
        } catch (RuntimeException e) {
            setup.close();
            throw e;
        }
        System.out.println("[test-redis] master " + setup.nodes.get(0).port() + ", replica " + setup.nodes.get(1).port()
                + ", sentinels " + setup.sentinels() + " (" + RedisBinaries.server() + ")");
        return setup;
    }

    private void build() {
        try {
            dir = Files.createTempDirectory("test-redis-sentinel");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int masterPort = TestRedis.freePort();
        // No 5 s wait before the first (diskless) full sync; either node may become master, so both get it.
        List<String> noSyncDelay = List.of("--repl-diskless-sync-delay", "0");
        RedisProcess master = RedisProcess.spawn("master-" + masterPort, masterPort, dir, null, noSyncDelay);
        nodes.add(master.awaitPong());
        int replicaPort = TestRedis.freePort();
        RedisProcess replica = RedisProcess.spawn("replica-" + replicaPort, replicaPort, dir, null,
                List.of("--replicaof", "127.0.0.1", String.valueOf(masterPort), "--repl-diskless-sync-delay", "0"));
        nodes.add(replica.awaitPong());
        await(() -> replica.command("INFO", "replication").contains("master_link_status:up"), "replica in sync");
        // Each sentinel's config names the replica and the other sentinels (by their fixed ids), which
        // they would otherwise discover from INFO and hello messages only after several seconds.
        int[] ports = new int[3];
        String[] ids = new String[3];
        for (int i = 0; i < 3; i++) {
            ports[i] = TestRedis.freePort();
            ids[i] = String.format("%040x", new java.math.BigInteger(1, java.util.UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII)))
                    .substring(0, 40);
        }
        for (int i = 0; i < 3; i++) {
            StringBuilder config = new StringBuilder()
                    .append("sentinel myid ").append(ids[i]).append('\n')
                    .append("sentinel monitor ").append(MASTER_NAME).append(" 127.0.0.1 ").append(masterPort).append(" 2\n")
                    .append("sentinel down-after-milliseconds ").append(MASTER_NAME).append(' ').append(DOWN_AFTER_MILLIS).append('\n')
                    .append("sentinel failover-timeout ").append(MASTER_NAME).append(" 10000\n")
                    .append("sentinel known-replica ").append(MASTER_NAME).append(" 127.0.0.1 ").append(replicaPort).append('\n');
            for (int j = 0; j < 3; j++) {
                if (j != i) {
                    config.append("sentinel known-sentinel ").append(MASTER_NAME).append(" 127.0.0.1 ").append(ports[j])
                            .append(' ').append(ids[j]).append('\n');
                }
            }
            Path file = dir.resolve("sentinel-" + ports[i] + ".conf");
            write(file, config.toString());
            sentinels.add(RedisProcess.spawn("sentinel-" + ports[i], ports[i], dir, file, List.of("--sentinel")));
        }
        sentinels.forEach(RedisProcess::awaitPong);
        await(() -> sentinels.stream().allMatch(s -> {
            String seen = s.command("SENTINEL", "MASTER", MASTER_NAME);
            return seen.contains("num-slaves\n1") && seen.contains("num-other-sentinels\n2");
        }), "sentinels see the replica and each other");
    }

    /**
     * One sentinel (quorum 1) monitoring {@code host:port} as {@link #MASTER_NAME}: clients asking it for the master
     * get that address, e.g. a {@link FaultProxy}'s in front of a server. Close it after use.
     */
    public static RedisProcess sentinelFor(String host, int port) {
        Path dir;
        try {
            dir = Files.createTempDirectory("test-redis-sentinel");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int sentinelPort = TestRedis.freePort();
        Path file = dir.resolve("sentinel-" + sentinelPort + ".conf");
        write(file, "sentinel monitor " + MASTER_NAME + " " + host + " " + port + " 1\n");
        RedisProcess sentinel = RedisProcess.spawn("sentinel-" + sentinelPort, sentinelPort, dir, file, List.of("--sentinel"));
        try {
            sentinel.awaitPong();
        } catch (RuntimeException e) {
            sentinel.close();
            throw e;
        }
        System.out.println("[test-redis] sentinel " + sentinelPort + " monitoring " + host + ":" + port + " as " + MASTER_NAME);
        return sentinel;
    }

    private static void write(Path file, String text) {
        try {
            Files.write(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (IllegalStateException e) {
                // a node between states; ask again
            }
            RedisProcess.sleep(50);
        }
        throw new IllegalStateException("Sentinel setup: no " + what + " within 30 s");
    }

    /** {@code 127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3}, for {@code redis-sentinels}. */
    public String sentinels() {
        return sentinels.stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(","));
    }

    public String masterName() {
        return MASTER_NAME;
    }

    /** The node the sentinels name as master now. */
    public RedisProcess master() {
        String[] address = sentinels.get(0).command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME).split("\n");
        int port = Integer.parseInt(address[1]);
        return nodes.stream().filter(n -> n.port() == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("Unknown master port " + port));
    }

    /** Kills the master (SIGKILL) and returns it. */
    public RedisProcess killMaster() {
        RedisProcess master = master();
        master.kill();
        return master;
    }

    /** Waits until the sentinels have promoted another node than {@code old} and it acts as master. */
    public RedisProcess awaitNewMaster(RedisProcess old, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                RedisProcess now = master();
                if (now != old && now.command("ROLE").startsWith("master")) {
                    return now;
                }
            } catch (IllegalStateException e) {
                // asked mid-failover
            }
            RedisProcess.sleep(50);
        }
        throw new IllegalStateException("No new master within " + timeout);
    }

    public void flushAll() {
        master().command("FLUSHALL");
    }

    @Override
    public void close() {
        sentinels.forEach(RedisProcess::close);
        nodes.forEach(RedisProcess::close);
    }
}
