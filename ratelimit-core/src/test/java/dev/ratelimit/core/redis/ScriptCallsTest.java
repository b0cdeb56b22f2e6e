package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.StoreUnavailableException;
import dev.ratelimit.testing.TestRedisExtension;

/** Concurrent calls coalesced into pipelines, against a real Redis that the tests pause. */
class ScriptCallsTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    /** Enough callers to queue behind the batches on the wire, on any number of cores. */
    private static final int THREADS = Math.max(32, 4 * ScriptCalls.MAX_LEADERS);

    private RedisClients clients;
    private RedisStore store;
    private ExecutorService pool;

    @BeforeEach
    void connect() {
        REDIS.redis().command("FLUSHALL");
        clients = new RedisClients();
        store = clients.open(RedisUrl.standalone("redis-url", REDIS.url()).timeouts(5_000, 2_000).pool(THREADS, 5_000).build());
        pool = Executors.newFixedThreadPool(THREADS + ScriptCalls.MAX_LEADERS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        store.close();
        clients.close();
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void concurrent_callers_share_pipelines_and_together_get_exactly_the_limit(Algorithm algorithm) throws Exception {
        List<Limit> limit = Limit.parseAll(PolicyParams.LIMITS, "1000/1d");
        CyclicBarrier start = new CyclicBarrier(THREADS);
        AtomicInteger allowed = new AtomicInteger();
        List<Callable<Void>> callers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            callers.add(() -> {
                start.await();
                for (int i = 0; i < 50; i++) {
                    if (store.acquire(algorithm, List.of("t:{shared}"), limit, 1).allowed()) {
                        allowed.incrementAndGet();
                    }
                }
                return null;
            });
        }
        for (Future<Void> f : pool.invokeAll(callers)) {
            f.get();
        }
        assertThat(allowed).hasValue(1000);
        assertThat(store.scripts().pipelinedCalls()).isPositive();
    }

    @Test
    void the_batches_allowed_on_the_wire_follow_the_callers_inside_between_two_and_the_cap() {
        ScriptCalls scripts = store.scripts();
        int previous = 0;
        for (int inside = 0; inside <= 10 * THREADS; inside++) {
            int allowed = scripts.batchLeaders(inside);
            assertThat(allowed).as("batches for %d callers", inside)
                    .isBetween(Math.min(ScriptCalls.MIN_LEADERS, scripts.maxLeaders()), scripts.maxLeaders())
                    .isGreaterThanOrEqualTo(previous);
            previous = allowed;
        }
        assertThat(scripts.batchLeaders(ScriptCalls.TARGET_BATCH * ScriptCalls.MIN_LEADERS + 1))
                .as("a short queue: two batches, not one per place").isEqualTo(ScriptCalls.MIN_LEADERS);
        assertThat(scripts.batchLeaders(ScriptCalls.TARGET_BATCH * scripts.maxLeaders()))
                .as("a long queue: every place").isEqualTo(scripts.maxLeaders());
        assertThat(scripts.maxLeaders()).isLessThanOrEqualTo(THREADS).isLessThanOrEqualTo(ScriptCalls.MAX_LEADERS);
    }

    @Test
    void when_calls_queue_fewer_batches_may_go_out_more_as_callers_come_and_every_call_is_answered_once() throws Exception {
        ScriptCalls scripts = store.scripts();
        assumeTrue(scripts.maxLeaders() > ScriptCalls.MIN_LEADERS, "one core: the cap is the least already");
        List<Limit> limit = Limit.parseAll(PolicyParams.LIMITS, "10/1m");
        List<Future<Decision>> queued = new ArrayList<>();
        List<Future<Decision>> first;
        int fewCallers;
        int manyCallers;
        REDIS.redis().pause();
        try {
            first = occupyEveryLeader(limit);
            assertThat(scripts.batchLeadersNow()).as("nobody queued yet").isEqualTo(scripts.batchLeaders(scripts.maxLeaders()));
            queued.add(pool.submit(() -> store.acquire(Algorithm.FIXED_WINDOW, List.of("t:{q0}"), limit, 1)));
            awaitQueued(1, first);
            fewCallers = scripts.batchLeadersNow();
            for (int i = 1; i < THREADS; i++) {
                String key = "t:{q" + i + "}";
                queued.add(pool.submit(() -> store.acquire(Algorithm.FIXED_WINDOW, List.of(key), limit, 1)));
            }
            awaitQueued(THREADS, first);
            manyCallers = scripts.batchLeadersNow();
        } finally {
            REDIS.redis().resume();
        }
        assertThat(fewCallers).as("one call queued: batches allowed").isLessThan(scripts.maxLeaders());
        assertThat(manyCallers).as("%d calls queued: batches allowed", THREADS)
                .isGreaterThan(fewCallers).isEqualTo(scripts.batchLeaders(scripts.maxLeaders() + THREADS));
        for (Future<Decision> call : first) {
            assertThat(call.get(10, TimeUnit.SECONDS).allowed()).isTrue();
        }
        for (int i = 0; i < THREADS; i++) {
            assertThat(queued.get(i).get(10, TimeUnit.SECONDS).remaining()).as("call %d counted once", i).isEqualTo(9);
            assertThat(REDIS.redis().command("GET", "t:{q" + i + "}")).isEqualTo("1");
        }
        assertThat(scripts.peakLeaders()).isLessThanOrEqualTo(scripts.maxLeaders());
        assertThat(scripts.callersInside()).isZero();
        assertThat(scripts.leaders()).isZero();
        assertThat(scripts.batchLeadersNow()).as("all answered: back to the least").isEqualTo(scripts.batchLeaders(0));
    }

    @Test
    void many_callers_each_get_their_own_replies_in_order_and_never_more_leaders_than_the_pool() throws Exception {
        List<Limit> limit = Limit.parseAll(PolicyParams.LIMITS, "1000000/1d");
        int perThread = 100;
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Callable<Void>> callers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            String key = "t:{own" + t + "}";
            callers.add(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    Decision d = store.acquire(Algorithm.FIXED_WINDOW, List.of(key), limit, 1);
                    // Another caller's reply would carry another counter's count.
                    assertThat(d.remaining()).as("reply %d on %s", i, key).isEqualTo(1_000_000 - i - 1);
                }
                return null;
            });
        }
        for (Future<Void> f : pool.invokeAll(callers)) {
            f.get();
        }
        for (int t = 0; t < THREADS; t++) {
            assertThat(REDIS.redis().command("GET", "t:{own" + t + "}")).isEqualTo(Integer.toString(perThread));
        }
        ScriptCalls scripts = store.scripts();
        assertThat(scripts.peakLeaders()).isPositive().isLessThanOrEqualTo(scripts.maxLeaders());
        assertThat(scripts.maxLeaders()).isLessThanOrEqualTo(THREADS);
        assertThat(scripts.callersInside()).isZero();
        assertThat(scripts.queued()).isZero();
    }

    @Test
    void scripts_that_redis_forgot_are_loaded_again_from_inside_a_pipeline() throws Exception {
        REDIS.redis().command("SCRIPT", "FLUSH");
        List<Future<Decision>> calls = queueBehindAPausedRedis(i -> "t:{k" + i + "}");
        for (Future<Decision> call : calls) {
            assertThat(call.get(10, TimeUnit.SECONDS).allowed()).isTrue();
        }
        assertThat(store.scripts().pipelinedCalls()).isGreaterThanOrEqualTo(THREADS - 1);
        assertThat(REDIS.redis().command("SCRIPT", "EXISTS", LuaScript.load("lua/token-bucket.lua").sha1())).isEqualTo("1");
    }

    @Test
    void a_batch_that_redis_forgot_the_scripts_of_is_sent_again_as_one_pipeline_and_counted_once() throws Exception {
        REDIS.redis().command("SCRIPT", "FLUSH");
        List<Limit> shared = Limit.parseAll(PolicyParams.LIMITS, "1000/1h");
        List<Limit> limit = Limit.parseAll(PolicyParams.LIMITS, "10/1m");
        List<Future<Decision>> calls = new ArrayList<>();
        long writesBefore = redisWrites();
        REDIS.redis().pause();
        try {
            List<Future<Decision>> first = occupyEveryLeader(limit);
            // Both scripts in one batch: every other call on one shared fixed-window counter.
            for (int i = 0; i < THREADS; i++) {
                String key = "t:{k" + i + "}";
                boolean onShared = i % 2 == 0;
                calls.add(pool.submit(() -> onShared
                        ? store.acquire(Algorithm.FIXED_WINDOW, List.of("t:{shared}"), shared, 1)
                        : store.acquire(Algorithm.TOKEN_BUCKET, List.of(key), limit, 1)));
            }
            awaitQueued(THREADS, first);
        } finally {
            REDIS.redis().resume();
        }
        List<Long> sharedRemaining = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            Decision d = calls.get(i).get(10, TimeUnit.SECONDS);
            assertThat(d.allowed()).isTrue();
            if (i % 2 == 0) {
                sharedRemaining.add(d.remaining());
            } else {
                assertThat(d.remaining()).as("a token bucket counted once").isEqualTo(9);
            }
        }
        // Each admission counted exactly once: the shared counter's remaining values are 999, 998, ... once each.
        List<Long> expected = new ArrayList<>();
        for (int k = 1; k <= THREADS / 2; k++) {
            expected.add(1000L - k);
        }
        assertThat(sharedRemaining).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(REDIS.redis().command("GET", "t:{shared}")).isEqualTo(Integer.toString(THREADS / 2));
        // Replies Redis wrote (a round trip each): the INFO before; for each first call its new connection's
        // CLIENT SETNAME, its EVALSHA and EVAL (NOSCRIPT); the batch's pipeline (perhaps on a new connection)
        // and its one reload pipeline; two to spare. Not one per queued call.
        long roundTrips = redisWrites() - writesBefore;
        assertThat(roundTrips).as("round trips after SCRIPT FLUSH for %d queued calls", THREADS)
                .isLessThanOrEqualTo(1 + 3L * store.scripts().maxLeaders() + 3 + 2);
    }

    private static long redisWrites() {
        String info = REDIS.redis().command("INFO", "stats");
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("total_writes_processed:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new AssertionError("no total_writes_processed in INFO stats: " + info);
    }

    @Test
    void a_call_that_fails_in_redis_fails_alone_and_its_batch_goes_through() throws Exception {
        REDIS.redis().command("HSET", "t:{wrong-type}", "f", "v");
        List<Future<Decision>> calls = queueBehindAPausedRedis(i -> i == 7 ? "t:{wrong-type}" : "t:{k" + i + "}");
        int failed = 0;
        for (int i = 0; i < calls.size(); i++) {
            try {
                assertThat(calls.get(i).get(10, TimeUnit.SECONDS).allowed()).isTrue();
            } catch (ExecutionException e) {
                assertThat(i).isEqualTo(7);
                assertThat(e.getCause()).isInstanceOf(StoreUnavailableException.class).hasMessageContaining("WRONGTYPE");
                failed++;
            }
        }
        assertThat(failed).isOne();
        assertThat(store.scripts().pipelinedCalls()).isGreaterThanOrEqualTo(THREADS - 1);
    }

    @Test
    void an_interrupted_caller_waits_without_spinning_and_keeps_its_decision_and_interrupt_status() throws Exception {
        List<Boolean> interruptedAfter = new CopyOnWriteArrayList<>();
        List<Limit> limit = Limit.parseAll(PolicyParams.LIMITS, "10/1m");
        REDIS.redis().pause();
        List<Future<Decision>> calls;
        try {
            calls = occupyEveryLeader(limit);
            FutureTask<Decision> queued = new FutureTask<>(() -> {
                Decision d = store.acquire(Algorithm.TOKEN_BUCKET, List.of("t:{interrupted}"), limit, 1);
                interruptedAfter.add(Thread.currentThread().isInterrupted());
                return d;
            });
            Thread caller = new Thread(queued, "queued-caller");
            caller.start();
            awaitQueued(1, calls);
            caller.interrupt();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpuBefore = threads.getThreadCpuTime(caller.getId());
            Thread.sleep(300);
            long cpuWhileWaiting = threads.getThreadCpuTime(caller.getId()) - cpuBefore;
            assertThat(cpuWhileWaiting).as("CPU ns the interrupted caller burnt in 300 ms of waiting")
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(50));
            calls.add(queued);
        } finally {
            REDIS.redis().resume();
        }
        for (Future<Decision> call : calls) {
            assertThat(call.get(10, TimeUnit.SECONDS).allowed()).isTrue();
        }
        assertThat(interruptedAfter).containsExactly(true);
    }

    /**
     * As many calls (fixed window) as may be on the wire at once are sent while Redis is stopped;
     * {@link #THREADS} more (token bucket) queue behind them; then Redis continues, and the queued calls
     * go out together in pipelines.
     */
    private List<Future<Decision>> queueBehindAPausedRedis(IntFunction<String> keyOf)
            throws Exception {
        List<Limit> limit = Limit.parseAll(PolicyParams.LIMITS, "10/1m");
        List<Future<Decision>> calls = new ArrayList<>();
        REDIS.redis().pause();
        try {
            List<Future<Decision>> first = occupyEveryLeader(limit);
            for (int i = 0; i < THREADS; i++) {
                String key = keyOf.apply(i);
                calls.add(pool.submit(() -> store.acquire(Algorithm.TOKEN_BUCKET, List.of(key), limit, 1)));
            }
            awaitQueued(THREADS, first);
        } finally {
            REDIS.redis().resume();
        }
        return calls;
    }

    /** With Redis stopped: as many calls (fixed window) as may be on the wire at once, all sent and stuck. */
    private List<Future<Decision>> occupyEveryLeader(List<Limit> limit) throws InterruptedException {
        List<Future<Decision>> first = new ArrayList<>();
        for (int i = 0; i < store.scripts().maxLeaders(); i++) {
            first.add(pool.submit(() -> store.acquire(Algorithm.FIXED_WINDOW, List.of("t:{first}"), limit, 1)));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (store.scripts().leaders() != store.scripts().maxLeaders()) {
            assertThat(System.nanoTime()).as("the first calls are on the wire in time").isLessThan(deadline);
            Thread.sleep(5);
        }
        assertThat(store.scripts().queued()).as("none of the first calls queued").isZero();
        return first;
    }

    private void awaitQueued(int expected, List<Future<Decision>> first) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (store.scripts().queued() != expected) {
            assertThat(System.nanoTime()).as("calls queued in time").isLessThan(deadline);
            assertThat(first).as("the first calls still wait for the stopped Redis").noneMatch(Future::isDone);
            Thread.sleep(5);
        }
    }
}
