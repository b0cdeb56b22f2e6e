package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.PolicyParams;
import dev.ratelimit.core.StoreUnavailableException;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * A pipeline whose reply is cut or dripped by the network ({@link ReplyFaultProxy} in front of a real
 * Redis): no call is counted twice, and no caller waits past its budget for a batch that another
 * caller leads.
 */
class PipelineFaultsTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final List<Limit> ONE_PER_MINUTE = Limit.parseAll(PolicyParams.LIMITS, "1/1m");

    private ReplyFaultProxy proxy;
    private RedisClients clients;
    private RedisStore store;
    private ExecutorService pool;

    @BeforeEach
    void start() throws Exception {
        REDIS.redis().command("FLUSHALL");
        proxy = new ReplyFaultProxy(REDIS.redis().host(), REDIS.redis().port(), 300);
        clients = new RedisClients();
        pool = Executors.newCachedThreadPool();
    }

    @AfterEach
    void stop() throws Exception {
        REDIS.redis().resume();
        proxy.close();
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        clients.close();
    }

    private void open(long timeoutMillis, long connectTimeoutMillis, long poolMaxWaitMillis) {
        store = clients.open(RedisUrl.standalone("redis-url", proxy.url())
                .timeouts(timeoutMillis, connectTimeoutMillis).pool(32, poolMaxWaitMillis)
                .breaker(1_000, 1_000, 3).build());
        // Both scripts known to Redis, so that every reply below is a script's.
        for (Algorithm algorithm : Algorithm.rateAlgorithms()) {
            store.acquire(algorithm, List.of("t:{warm-" + algorithm.configName() + "}"), ONE_PER_MINUTE, 1);
        }
    }

    @Test
    void a_pipeline_whose_reply_is_lost_after_redis_ran_it_is_not_sent_again() throws Exception {
        open(5_000, 2_000, 5_000);
        List<Future<Decision>> calls = queueBehindAPausedRedis(16, ReplyFaultProxy.Fault.CUT);
        int failed = 0;
        for (Future<Decision> call : calls) {
            try {
                // Each key is used once: a second run of the same call would be denied.
                assertThat(call.get(20, TimeUnit.SECONDS).allowed()).as("a call counted once").isTrue();
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(StoreUnavailableException.class);
                failed++;
            }
        }
        assertThat(proxy.struck()).isTrue();
        assertThat(failed).as("calls of the cut pipeline, whose fate is unknown").isPositive();
        assertThat(store.acquire(Algorithm.TOKEN_BUCKET, List.of("t:{after}"), ONE_PER_MINUTE, 1).allowed()).isTrue();
    }

    @Test
    void a_caller_whose_batch_gets_no_reply_in_time_stops_waiting_and_fails_as_a_timeout() throws Exception {
        // Each byte of the batch's reply comes within the timeout: only the calls' budgets end the wait, the
        // leader's included (its reads end at its ReadDeadline; before that, it kept reading for minutes).
        open(1_500, 200, 1_500);
        int queued = 4;
        List<Future<Decision>> calls = queueBehindAPausedRedis(queued, ReplyFaultProxy.Fault.DRIP);
        List<Throwable> failures = new ArrayList<>();
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (calls.stream().filter(Future::isDone).count() < queued && System.nanoTime() < waitUntil) {
            Thread.sleep(20);
        }
        assertThat(proxy.struck()).isTrue();
        assertThat(calls.stream().filter(Future::isDone).count())
                .as("callers that gave up on the dripping batch (its leader too)").isEqualTo(queued);
        for (Future<Decision> call : calls) {
            try {
                call.get();
            } catch (ExecutionException e) {
                failures.add(e.getCause());
            }
        }
        // Whichever deadline comes first (the leader's read, or a waiter's) fails that call as a timeout.
        assertThat(failures).hasSize(queued).allSatisfy(f -> assertThat(f).isInstanceOf(StoreUnavailableException.class));

        proxy.stopDripping();
        assertThat(store.acquire(Algorithm.TOKEN_BUCKET, List.of("t:{after}"), ONE_PER_MINUTE, 1).allowed()).isTrue();
    }

    /**
     * With Redis stopped: as many calls as may be on the wire at once, each alone; {@code count} more (one
     * key each) queue behind them; the proxy is armed; Redis continues, and the queued calls go out as one
     * pipeline, whose reply the fault spoils.
     */
    private List<Future<Decision>> queueBehindAPausedRedis(int count, ReplyFaultProxy.Fault fault) throws Exception {
        List<Future<Decision>> calls = new ArrayList<>();
        REDIS.redis().pause();
        try {
            for (int i = 0; i < store.scripts().maxLeaders(); i++) {
                pool.submit(() -> store.acquire(Algorithm.FIXED_WINDOW, List.of("t:{first}"), Limit.parseAll("limits", "100/1m"), 1));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (store.scripts().leaders() != store.scripts().maxLeaders()) {
                assertThat(System.nanoTime()).as("the first calls are on the wire in time").isLessThan(deadline);
                Thread.sleep(5);
            }
            assertThat(store.scripts().queued()).as("none of the first calls queued").isZero();
            for (int i = 0; i < count; i++) {
                String key = "t:{k" + i + "}";
                calls.add(pool.submit(() -> store.acquire(Algorithm.TOKEN_BUCKET, List.of(key), ONE_PER_MINUTE, 1)));
            }
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (store.scripts().queued() != count) {
                assertThat(System.nanoTime()).as("calls queued in time").isLessThan(deadline);
                Thread.sleep(5);
            }
            proxy.arm(fault);
        } finally {
            REDIS.redis().resume();
        }
        return calls;
    }
}
