package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.FailureMode;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.RequestView;
import dev.ratelimit.core.testing.FakeRequest;
import dev.ratelimit.testing.RedisProcess;
import dev.ratelimit.testing.TestRedisSentinel;

/**
 * Kills the master (SIGKILL) under load from 8 threads and measures what the README documents: how long
 * the limiter decides by its failure mode until it follows the promoted replica, the worst request
 * latency, and how many admitted requests the new master never counted (asynchronous replication).
 */
class SentinelFailoverTest {

    static final long TIMEOUT = 200;
    static final long BREAKER_OPEN = 500;

    private static TestRedisSentinel sentinel;
    private static RedisClients clients;
    private static RedisStore store;

    @BeforeAll
    static void start() {
        sentinel = TestRedisSentinel.start();
        clients = new RedisClients();
        store = Topologies.open(clients, Topologies.params(RedisParams.REDIS_SENTINELS, sentinel.sentinels(),
                RedisParams.REDIS_SENTINEL_MASTER, sentinel.masterName(),
                RedisParams.TIMEOUT, TIMEOUT + "ms", RedisParams.CONNECT_TIMEOUT, TIMEOUT + "ms",
                RedisParams.POOL_MAX_WAIT, "50ms", RedisParams.BREAKER_OPEN, BREAKER_OPEN + "ms",
                RedisParams.BREAKER_PROBES, "1"));
    }

    @AfterAll
    static void stop() {
        if (clients != null) {
            clients.close();
        }
        if (sentinel != null) {
            sentinel.close();
        }
    }

    record Outcome(long startMillis, long latencyMillis, Decision decision) {
    }

    @Test
    void follows_the_promoted_replica_after_the_master_is_killed_under_load() throws Exception {
        Policy policy = Policy.builder("failover").scope("failover").failureMode(FailureMode.OPEN)
                .limits(Limit.parseAll("limits", "1000000/1h")).build();
        RateLimiter limiter = new RateLimiter(policy, store, null);
        RequestView client = FakeRequest.from("10.9.0.1");
        String key = policy.keyLayout().keysFor(client).get(0);

        long origin = System.nanoTime();
        Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                while (running.get()) {
                    long begin = System.nanoTime();
                    Decision d = limiter.acquire(client);
                    long end = System.nanoTime();
                    outcomes.add(new Outcome((begin - origin) / 1_000_000, (end - begin) / 1_000_000, d));
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "failover-load-" + t);
            threads.add(thread);
            thread.start();
        }
        Thread.sleep(1_000);
        long killedAt = (System.nanoTime() - origin) / 1_000_000;
        RedisProcess old = sentinel.killMaster();
        RedisProcess promoted = sentinel.awaitNewMaster(old, Duration.ofSeconds(30));
        long promotedAt = (System.nanoTime() - origin) / 1_000_000;
        long backAt = -1;
        long deadline = promotedAt + 15_000;
        while (backAt < 0 && (System.nanoTime() - origin) / 1_000_000 < deadline) {
            backAt = outcomes.stream().filter(o -> o.startMillis > promotedAt && o.decision.source() == DecisionSource.REDIS)
                    .mapToLong(Outcome::startMillis).min().orElse(-1);
            Thread.sleep(20);
        }
        Thread.sleep(500);
        running.set(false);
        for (Thread thread : threads) {
            thread.join(5_000);
        }

        assertThat(backAt).as("the limiter decides on Redis again after the failover").isPositive();
        long countedBeforeKill = outcomes.stream()
                .filter(o -> o.startMillis < killedAt && o.decision.source() == DecisionSource.REDIS).count();
        long onRedis = outcomes.stream().filter(o -> o.decision.source() == DecisionSource.REDIS).count();
        long bypassed = outcomes.stream().filter(o -> o.decision.source() != DecisionSource.REDIS).count();
        long counted = Long.parseLong(promoted.command("GET", key));
        // A measurement, not a check: Redis replicates asynchronously, so the increments the old master
        // admitted in its last moments may never reach the replica (lost > 0), and calls that timed out after
        // Redis ran them count there without a Redis decision here (lost < 0). No bound holds for both.
        long lostMeasured = onRedis - counted;
        long worst = outcomes.stream().mapToLong(Outcome::latencyMillis).max().orElse(0);
        System.out.printf("[failover] %d requests; master killed at %d ms; sentinels promoted the replica %d ms later;"
                        + " limiter back on Redis %d ms after the kill; %d requests decided by failure mode (open);"
                        + " worst latency %d ms; admitted by Redis %d (%d before the kill), counted by the new master %d,"
                        + " lost increments (measured) %d%n",
                outcomes.size(), killedAt, promotedAt - killedAt, backAt - killedAt, bypassed, worst, onRedis,
                countedBeforeKill, counted, lostMeasured);
        assertThat(promoted.port()).isNotEqualTo(old.port());
        long settled = backAt + 100;
        assertThat(outcomes.stream().filter(o -> o.startMillis > settled)
                .allMatch(o -> o.decision.source() == DecisionSource.REDIS)).as("stays on the new master").isTrue();
        // A call never waits much past its budget: pool wait + 2 x (connect + timeout), plus CI slack.
        assertThat(worst).as("worst request latency, ms").isLessThan(50 + 4 * TIMEOUT + 1_000);
    }
}
