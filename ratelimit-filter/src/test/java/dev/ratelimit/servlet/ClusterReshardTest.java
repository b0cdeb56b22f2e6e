package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

import dev.ratelimit.testing.RedisProcess;
import dev.ratelimit.testing.TestRedisCluster;

/**
 * Issue 20, scenario 2: the slots holding the test identities move from one master to another (SETSLOT
 * MIGRATING/IMPORTING, MIGRATE key by key, SETSLOT NODE: what {@code redis-cli --cluster reshard} does) while
 * four threads send requests for those identities through an embedded Tomcat: one application with a single
 * fixed-window limit, one with two sliding-window limits. Every answer is decided by Redis (MOVED and ASK are
 * followed) and each identity gets exactly its limit. Prints {@code [reshard]} lines.
 */
class ClusterReshardTest {

    static final int SINGLE = 40;
    static final int MULTI = 30;
    static final int IDENTITIES = 12;

    @Test
    void limits_stay_exact_while_the_identities_slots_move() throws Exception {
        try (TestRedisCluster cluster = TestRedisCluster.start(); EmbeddedTomcat tomcat = new EmbeddedTomcat()) {
            Map<String, String> common = Map.of("redis-cluster", cluster.seeds(), "key", "header:X-Client",
                    "failure-mode", "open");
            tomcat.deploy("/single", with(common, Map.of("limits", SINGLE + "/1h")), Map.of());
            tomcat.deploy("/multi", with(common, Map.of("limits", MULTI + "/1h," + (MULTI + 20) + "/1d",
                    "algorithm", "sliding-window")), Map.of());

            List<String> identities = new ArrayList<>();
            for (int i = 0; i < IDENTITIES; i++) {
                identities.add("r" + i);
            }

            Map<String, LongAdder> admitted = new ConcurrentHashMap<>();
            Map<String, LongAdder> refused = new ConcurrentHashMap<>();
            LongAdder uncounted = new LongAdder();
            LongAdder other = new LongAdder();
            AtomicLong worst = new AtomicLong();
            AtomicLong requests = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                threads.add(pool.submit(() -> {
                    for (long n = thread; running.get(); n += 4) {
                        String client = identities.get((int) (n % IDENTITIES));
                        String app = (n / IDENTITIES) % 2 == 0 ? "/single" : "/multi";
                        long start = System.nanoTime();
                        HttpResponse<String> r = tomcat.get(app + "/x", "X-Client", client);
                        worst.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
                        requests.incrementAndGet();
                        String id = app + " " + client;
                        if (r.headers().firstValue("X-RateLimit-Limit").isEmpty()) {
                            uncounted.increment();
                        } else if (r.statusCode() == 200) {
                            admitted.computeIfAbsent(id, k -> new LongAdder()).increment();
                        } else if (r.statusCode() == 429) {
                            refused.computeIfAbsent(id, k -> new LongAdder()).increment();
                        } else {
                            other.increment();
                        }
                    }
                    return null;
                }));
            }
            // Let some requests be counted before the move (but not all of each limit).
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (requests.get() < IDENTITIES * 2 * 4 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            // Each identity's slot (from its keys, wherever they are) moves to the next master.
            Map<Integer, Integer> slotOwner = new TreeMap<>();
            for (String client : identities) {
                for (int m = 0; m < 3; m++) {
                    RedisProcess master = cluster.masters().get(m);
                    for (String key : master.command("KEYS", "*{*" + client + "}*").split("\n")) {
                        if (key.contains(client + "}")) {
                            slotOwner.put(Integer.parseInt(master.command("CLUSTER", "KEYSLOT", key.trim())), m);
                        }
                    }
                }
            }
            long requestsBefore = requests.get();
            long startMove = System.nanoTime();
            int keysMoved = 0;
            for (Map.Entry<Integer, Integer> e : slotOwner.entrySet()) {
                keysMoved += cluster.migrateSlot(e.getKey(), cluster.masters().get(e.getValue()),
                        cluster.masters().get((e.getValue() + 1) % 3), 20);
            }
            long moveMillis = (System.nanoTime() - startMove) / 1_000_000;
            long requestsDuring = requests.get() - requestsBefore;
            // Then until every identity has been refused once in each application (its limit reached).
            long until = System.nanoTime() + 20_000_000_000L;
            while (refused.size() < 2 * IDENTITIES && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            running.set(false);
            for (Future<?> f : threads) {
                f.get(30, TimeUnit.SECONDS);
            }
            pool.shutdown();

            Map<String, Long> admittedPer = new TreeMap<>();
            admitted.forEach((k, v) -> admittedPer.put(k, v.sum()));
            long slotsMoved = slotOwner.entrySet().stream().filter(e -> cluster.masters().get((e.getValue() + 1) % 3)
                    .command("CLUSTER", "COUNTKEYSINSLOT", String.valueOf(e.getKey())).trim().matches("[1-9][0-9]*")).count();
            System.out.printf("[reshard] %d slots (%d keys, one per MIGRATE, 20 ms apart) moved each to the next master"
                            + " in %d ms while %d requests ran (%d in all); worst latency %d ms%n", slotOwner.size(), keysMoved,
                    moveMillis, requestsDuring, requests.get(), worst.get());
            System.out.printf("[reshard] slots found with keys on their new master afterwards: %d of %d%n", slotsMoved,
                    slotOwner.size());
            Map<String, Long> refusedPer = new TreeMap<>();
            refused.forEach((k, v) -> refusedPer.put(k, v.sum()));
            System.out.printf("[reshard] not decided by Redis: %d; other statuses: %d; admitted per identity: %s; refused: %s%n",
                    uncounted.sum(), other.sum(), admittedPer, refusedPer);
            assertThat(keysMoved).as("keys moved under load").isPositive();
            assertThat(slotsMoved).as("slots holding keys on their new master").isEqualTo(slotOwner.size());
            assertThat(uncounted.sum()).as("answers not decided by Redis").isZero();
            assertThat(other.sum()).as("answers other than 200 and 429").isZero();
            for (String client : identities) {
                assertThat(admittedPer.get("/single " + client)).as("/single " + client).isEqualTo(SINGLE);
                assertThat(admittedPer.get("/multi " + client)).as("/multi " + client).isEqualTo(MULTI);
            }
        }
    }

    private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
        Map<String, String> all = new TreeMap<>(a);
        all.putAll(b);
        return all;
    }
}
