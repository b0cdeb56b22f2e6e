package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.redis.RedisClients;
import dev.ratelimit.core.redis.RedisSettings;
import dev.ratelimit.core.redis.RedisStore;
import dev.ratelimit.core.redis.RedisUrl;
import dev.ratelimit.core.testing.FakeRequest;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * A real redis-server killed, frozen (SIGSTOP), put to sleep (DEBUG SLEEP) and restarted under 32
 * concurrent clients. Checks that no request waits past the budget its settings give it, that each
 * failure mode decides as documented, and that traffic returns to Redis once the breaker closes again.
 * Prints the worst latency seen.
 */
class RedisOutageTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    // Larger than the 50/100/20 ms defaults so that a busy CI machine does not time out healthy calls: with
    // the default 20 ms pool wait, Redis descheduled for 20 ms fails every queued call, and five in a row
    // open the breaker for a second in the middle of a measurement (seen on a 2-core machine shared by builds).
    static final long TIMEOUT = 150;
    static final long CONNECT_TIMEOUT = 200;
    static final long POOL_WAIT = 100;
    static final long BREAKER_OPEN = 1_000;
    /**
     * The documented worst case of one request, from these settings alone (ScriptCalls): wait for a
     * connection or a place in a batch, then connect + call, and once more on a connection found dead.
     */
    static final long BUDGET = POOL_WAIT + 2 * (CONNECT_TIMEOUT + TIMEOUT);
    /** How long each fault lasts: several times the budget, so a request waiting out the fault shows. */
    static final long FAULT = 2_500;
    /**
     * Scheduling delay allowed on top of the budget (a 2-core machine running 32 client threads, Redis and
     * the JIT): a tenth of the fault, so that budget + margin stays far below it.
     */
    static final long MARGIN = FAULT / 10;

    private RedisClients clients;
    private RedisStore store;
    private InMemoryStore memory;
    private ListAppender<ILoggingEvent> breakerLog;

    @BeforeEach
    void connect() {
        clients = new RedisClients();
        store = clients.open(RedisUrl.standalone("redis-url", REDIS.url())
                .timeouts(TIMEOUT, CONNECT_TIMEOUT).pool(32, POOL_WAIT).breaker(5, BREAKER_OPEN, 3).build());
        memory = new InMemoryStore();
        breakerLog = new ListAppender<>();
        breakerLog.start();
        ((Logger) org.slf4j.LoggerFactory.getLogger(StoreCircuitBreaker.class)).addAppender(breakerLog);
    }

    @AfterEach
    void disconnect() {
        ((Logger) org.slf4j.LoggerFactory.getLogger(StoreCircuitBreaker.class)).detachAppender(breakerLog);
        store.close();
        clients.close();
    }

    private RateLimiter limiter(String scope, FailureMode mode, String limits) {
        Policy policy = Policy.builder(scope).scope(scope).failureMode(mode).limits(Limit.parseAll("limits", limits)).build();
        return new RateLimiter(policy, store, memory);
    }

    record Outcome(String policy, Decision decision, long startMillis, long latencyMillis) {
    }

    /** 32 threads call three limiters (api/open, webhook/closed, local) until stopped; times are since start. */
    final class Load implements AutoCloseable {
        final long origin = System.nanoTime();
        final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final List<Thread> threads = new ArrayList<>();
        final CountDownLatch stopped = new CountDownLatch(32);
        /** From the fault on, the local policy sees one client only, whose limit memory must keep. */
        volatile boolean oneLocalClient;

        Load() {
            RateLimiter api = limiter("api", FailureMode.OPEN, "1000000/1h");
            RateLimiter webhook = limiter("webhook", FailureMode.CLOSED, "1000000/1h");
            RateLimiter local = limiter("local", FailureMode.LOCAL, "20/1h");
            for (int t = 0; t < 32; t++) {
                int n = t;
                Thread thread = new Thread(() -> {
                    try {
                        for (int i = 0; running.get(); i++) {
                            RateLimiter limiter = switch ((n + i) % 3) {
                                case 0 -> api;
                                case 1 -> webhook;
                                default -> local;
                            };
                            FakeRequest request = FakeRequest.from(limiter == local && oneLocalClient ? "192.0.2.1"
                                    : "10.0." + ThreadLocalRandom.current().nextInt(256) + "." + ThreadLocalRandom.current().nextInt(256));
                            long start = System.nanoTime();
                            Decision d = limiter.acquire(request);
                            long end = System.nanoTime();
                            outcomes.add(new Outcome(limiter.policy().name(), d, millis(start), (end - start) / 1_000_000));
                            Thread.sleep(2);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        stopped.countDown();
                    }
                }, "load-" + t);
                threads.add(thread);
                thread.start();
            }
        }

        long millis(long nanos) {
            return (nanos - origin) / 1_000_000;
        }

        long now() {
            return millis(System.nanoTime());
        }

        List<Outcome> between(long from, long to) {
            return outcomes.stream().filter(o -> o.startMillis >= from && o.startMillis < to).toList();
        }

        long worstLatency() {
            return outcomes.stream().mapToLong(Outcome::latencyMillis).max().orElse(0);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            stopped.await(10, TimeUnit.SECONDS);
        }
    }

    interface Fault {
        void start() throws Exception;

        void end() throws Exception;
    }

    /** Polls the breaker until it is closed; the time it was seen closed (ms since the load started). */
    private long awaitBreakerClosed(Load load, long deadline) throws InterruptedException {
        while (!store.breaker().state().equals("closed")) {
            assertThat(load.now()).as("breaker closed again by, ms").isLessThanOrEqualTo(deadline);
            Thread.sleep(5);
        }
        return load.now();
    }

    private void survives(String name, Fault fault) throws Exception {
        long faultAt;
        long endingAt;
        long healedAt;
        long closedAt;
        try (Load load = new Load()) {
            Thread.sleep(600);
            faultAt = load.now();
            fault.start();
            load.oneLocalClient = true;
            Thread.sleep(FAULT);
            endingAt = load.now();
            fault.end();
            healedAt = load.now();
            // The breaker may have opened again just before Redis came back, on a probe that waited out
            // its budget: one open interval later, and one more probe, it closes.
            closedAt = awaitBreakerClosed(load, healedAt + BUDGET + BREAKER_OPEN + BUDGET + MARGIN);
            Thread.sleep(1_500);
            load.close();

            System.out.printf("[outage] %s: %d requests, worst latency %d ms (budget %d ms + margin %d ms);"
                            + " breaker closed %d ms after Redis was back%n",
                    name, load.outcomes.size(), load.worstLatency(), BUDGET, MARGIN, closedAt - healedAt);
            assertThat(load.worstLatency()).as("worst request latency, ms").isLessThanOrEqualTo(BUDGET + MARGIN);

            // The first 200 ms open 32 connections at once; on a busy machine a few of those may time out.
            List<Outcome> before = load.between(200, faultAt);
            long beforeOnRedis = before.stream().filter(o -> o.decision.source() == DecisionSource.REDIS).count();
            assertThat(before).isNotEmpty();
            assertThat(beforeOnRedis).as("decisions by Redis before the fault, of " + before.size())
                    .isGreaterThanOrEqualTo(before.size() * 95 / 100);

            // Once the breaker has opened (well within 500 ms), every policy answers by its failure mode.
            // (Decided before the fault ended: a call queued behind a stuck batch may be sent and answered after.)
            List<Outcome> during = load.between(faultAt + 500, endingAt - 200).stream()
                    .filter(o -> o.startMillis + o.latencyMillis < endingAt - 5).toList();
            assertThat(during).isNotEmpty();
            for (Outcome o : during) {
                switch (o.policy) {
                    case "api" -> assertThat(o.decision.allowed() && o.decision.source() == DecisionSource.BYPASS).as(o.toString()).isTrue();
                    case "webhook" -> assertThat(!o.decision.allowed() && o.decision.source() == DecisionSource.BYPASS).as(o.toString()).isTrue();
                    // A denial Redis gave just before the fault is remembered locally (deny cache): still right.
                    default -> assertThat(o.decision.source() == DecisionSource.MEMORY
                            || (o.decision.source() == DecisionSource.REDIS && !o.decision.allowed())).as(o.toString()).isTrue();
                }
            }
            long localAdmitted = during.stream()
                    .filter(o -> o.policy.equals("local") && o.decision.allowed() && o.decision.source() == DecisionSource.MEMORY)
                    .count();
            long localDenied = during.stream().filter(o -> o.policy.equals("local") && !o.decision.allowed()).count();
            assertThat(localAdmitted).as("local mode keeps the limit per instance").isLessThanOrEqualTo(20);
            assertThat(localDenied).as("and denies past it").isPositive();

            // Once the breaker has closed (bounded above), traffic is back on Redis.
            // (A rare call may still time out on a loaded 2-core machine; the breaker absorbs it.)
            List<Outcome> after = load.between(closedAt, Long.MAX_VALUE);
            long backOnRedis = after.stream().filter(o -> o.decision.source() == DecisionSource.REDIS).count();
            assertThat(after).isNotEmpty();
            assertThat(backOnRedis).as("decisions by Redis after recovery, of " + after.size()).isGreaterThanOrEqualTo(after.size() * 97 / 100);
            assertThat(store.breaker().state()).isEqualTo("closed");
        }
        assertThat(breakerLog.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains("OPEN");
        });
        assertThat(breakerLog.list).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.INFO);
            assertThat(e.getFormattedMessage()).contains("CLOSED");
        });
    }

    @Test
    void survives_redis_being_killed_and_restarted() throws Exception {
        survives("kill + restart", new Fault() {
            @Override
            public void start() {
                REDIS.redis().stop();
            }

            @Override
            public void end() {
                REDIS.redis().restart();
            }
        });
    }

    @Test
    void survives_a_frozen_redis() throws Exception {
        survives("SIGSTOP + SIGCONT", new Fault() {
            @Override
            public void start() {
                REDIS.redis().pause();
            }

            @Override
            public void end() {
                REDIS.redis().resume();
            }
        });
    }

    @Test
    void survives_a_redis_that_answers_too_slowly() throws Exception {
        Thread[] sleeper = new Thread[1];
        String seconds = Double.toString(FAULT / 1000.0);
        survives("DEBUG SLEEP " + seconds, new Fault() {
            @Override
            public void start() {
                sleeper[0] = new Thread(() -> REDIS.redis().command("DEBUG", "SLEEP", seconds));
                sleeper[0].start();
            }

            @Override
            public void end() throws InterruptedException {
                sleeper[0].join();
            }
        });
    }

    /** Without pipelining the one pooled connection is busy; with it, the batch on the wire is stuck. */
    @ParameterizedTest(name = "pipelining {0}")
    @ValueSource(booleans = {false, true})
    void waits_no_longer_than_pool_max_wait_for_a_busy_connection(boolean pipelining) throws Exception {
        long poolWait = RedisSettings.DEFAULT_POOL_MAX_WAIT_MILLIS;
        try (RedisClients own = new RedisClients();
             RedisStore tiny = own.open(RedisUrl.standalone("redis-url", REDIS.url()).pipelining(pipelining)
                     .timeouts(500, CONNECT_TIMEOUT).pool(1, poolWait).breaker(1_000, BREAKER_OPEN, 3).build())) {
            Policy policy = Policy.builder("api").limits(Limit.parseAll("limits", "1000/1h")).build();
            RateLimiter limiter = new RateLimiter(policy, tiny, memory);
            limiter.acquire(new FakeRequest());
            Thread sleeper = new Thread(() -> REDIS.redis().command("DEBUG", "SLEEP", "0.4"));
            sleeper.start();
            Thread.sleep(50);
            Thread holder = new Thread(() -> limiter.acquire(new FakeRequest()));
            holder.start();
            Thread.sleep(50);
            List<Long> latencies = new ArrayList<>();
            List<DecisionSource> sources = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                sources.add(limiter.acquire(new FakeRequest()).source());
                latencies.add((System.nanoTime() - start) / 1_000_000);
            }
            holder.join();
            sleeper.join();
            System.out.println("[outage] connection busy (pipelining " + pipelining + "): latencies " + latencies + " ms");
            assertThat(sources).containsOnly(DecisionSource.BYPASS);
            assertThat(latencies).allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(poolWait + MARGIN));
        }
    }

    @Test
    void first_requests_after_a_restart_succeed() throws Exception {
        RateLimiter api = limiter("api", FailureMode.CLOSED, "1000/1h");
        try (Load warm = new Load()) {
            Thread.sleep(300); // fills the pool with connections that the restart will kill
        }
        REDIS.redis().restart(); // a new process: connections dead, scripts gone
        for (int i = 0; i < 40; i++) {
            Decision d = api.acquire(new FakeRequest());
            assertThat(d.source()).as("request %d after restart", i).isEqualTo(DecisionSource.REDIS);
        }
    }
}
