package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.redis.RedisClients;
import dev.ratelimit.core.redis.RedisStore;
import dev.ratelimit.core.redis.RedisUrl;
import dev.ratelimit.core.testing.FakeRequest;
import dev.ratelimit.testing.TestRedisExtension;

/**
 * {@code prefetch} against a real redis-server: two instances (each its own Redis client and limiter) on
 * one Redis never admit more than the limit together, and waste little of it; unspent permits go back
 * when an identity goes quiet and at shutdown; a Redis that dies or restarts leaves the failure mode in
 * charge once the permits held are spent.
 */
class PrefetchRedisTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static final FakeRequest HOT = FakeRequest.from("203.0.113.7");

    private final List<RedisClients> clients = new ArrayList<>();

    @BeforeEach
    void clean() {
        REDIS.redis().flushAll();
    }

    @AfterEach
    void close() {
        for (RedisClients c : clients) {
            c.close();
        }
    }

    /** One instance's Redis store: its own client and pool, as another JVM would have. */
    private RedisStore instanceStore() {
        RedisClients c = new RedisClients();
        clients.add(c);
        return c.open(RedisUrl.standalone("redis-url", REDIS.url()).timeouts(1_000, 1_000).pool(32, 1_000)
                .breaker(5, 1_000, 1).build());
    }

    private static Policy policy(Algorithm algorithm, String limits, int prefetch, FailureMode mode) {
        return Policy.builder("api").algorithm(algorithm).limits(Limit.parseAll("limits", limits))
                .prefetch(prefetch).failureMode(mode).build();
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void two_instances_admit_at_most_the_limit_and_nearly_all_of_it(Algorithm algorithm) throws Exception {
        Policy policy = policy(algorithm, "1000/1m", 50, FailureMode.CLOSED);
        RateLimiter a = new RateLimiter(policy, instanceStore(), new InMemoryStore());
        RateLimiter b = new RateLimiter(policy, instanceStore(), new InMemoryStore());
        long callsBefore = REDIS.redis().scriptCalls();
        AtomicLong admitted = new AtomicLong();
        AtomicLong attempts = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            RateLimiter limiter = t % 2 == 0 ? a : b;
            threads.add(new Thread(() -> {
                while (running.get()) {
                    attempts.incrementAndGet();
                    if (limiter.acquire(HOT).allowed()) {
                        admitted.incrementAndGet();
                    }
                }
            }));
        }
        long start = System.nanoTime();
        threads.forEach(Thread::start);
        Thread.sleep(1_500);
        running.set(false);
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        long calls = REDIS.redis().scriptCalls() - callsBefore;
        double callsPerAdmitted = (double) calls / admitted.get();
        System.out.printf("[prefetch] %s: %d admitted of %d attempts in %d ms, %d script calls (%.3f per admitted)%n",
                algorithm, admitted.get(), attempts.get(), elapsedMillis, calls, callsPerAdmitted);
        assertThat(attempts.get()).as("demand well over the limit").isGreaterThan(3_000);
        // A token bucket refills 1000 per minute: what the run's duration added (its first token counts too).
        long most = algorithm == Algorithm.TOKEN_BUCKET ? 1000 + elapsedMillis * 1000 / 60_000 + 1 : 1000;
        assertThat(admitted.get()).isLessThanOrEqualTo(most).isGreaterThanOrEqualTo(950);
        if (algorithm != Algorithm.TOKEN_BUCKET) {
            // A token bucket refills a token at a time, each its own reservation: measured, printed above.
            assertThat(callsPerAdmitted).isLessThanOrEqualTo(0.1);
        }
    }

    @Test
    void a_quiet_identity_gives_its_unspent_permits_back_for_another_instance() throws Exception {
        Policy policy = policy(Algorithm.FIXED_WINDOW, "100/1m", 50, FailureMode.CLOSED);
        RateLimiter a = new RateLimiter(policy, instanceStore(), new InMemoryStore());
        RateLimiter b = new RateLimiter(policy, instanceStore(), new InMemoryStore());
        for (int i = 0; i < 20; i++) {
            assertThat(a.acquire(HOT).allowed()).isTrue();
        }
        String key = policy.keyLayout().keysFor(HOT).get(0);
        long held = a.prefetchLeases().held();
        assertThat(held).as("slow start 1, 2, 4, 8, 16: some of the last reservation held").isPositive();
        assertThat(counted(key)).isEqualTo(20 + held);

        a.prefetchLeases().sweep();
        assertThat(counted(key)).as("not quiet yet").isEqualTo(20 + held);
        Thread.sleep(PrefetchLeases.QUIET_MILLIS + 100);
        a.prefetchLeases().sweep();
        assertThat(a.prefetchLeases().held()).isZero();
        assertThat(counted(key)).as("only what was spent stays counted").isEqualTo(20);

        int admittedByB = 0;
        while (admittedByB < 200 && b.acquire(HOT).allowed()) {
            admittedByB++;
        }
        assertThat(admittedByB).as("the other instance takes every permit left").isEqualTo(80);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void shutdown_gives_every_unspent_permit_back(Algorithm algorithm) {
        Policy policy = policy(algorithm, "100/1h", 50, FailureMode.CLOSED);
        RateLimiter a = new RateLimiter(policy, instanceStore(), new InMemoryStore());
        for (int i = 0; i < 20; i++) {
            a.acquire(HOT);
        }
        assertThat(a.prefetchLeases().held()).isPositive();
        a.prefetchLeases().returnAll(2_000);
        assertThat(a.prefetchLeases().held()).isZero();
        RateLimiter b = new RateLimiter(policy(algorithm, "100/1h", 1, FailureMode.CLOSED), instanceStore(), new InMemoryStore());
        int admitted = 0;
        while (admitted < 200 && b.acquire(HOT).allowed()) {
            admitted++;
        }
        assertThat(admitted).isEqualTo(80);
    }

    @Test
    void a_sweeper_gives_quiet_permits_back_by_itself_and_stops_when_closed() throws Exception {
        Policy policy = policy(Algorithm.SLIDING_WINDOW, "100/1m", 50, FailureMode.CLOSED);
        RateLimiter a = new RateLimiter(policy, instanceStore(), new InMemoryStore());
        PrefetchSweeper sweeper = new PrefetchSweeper();
        sweeper.register(a.prefetchLeases());
        try {
            for (int i = 0; i < 20; i++) {
                a.acquire(HOT);
            }
            assertThat(a.prefetchLeases().held()).isPositive();
            String key = policy.keyLayout().keysFor(HOT).get(0);
            // A bound on the wait, not a speed: quiet after 1 s, swept every 250 ms, on a machine that may be loaded.
            long deadline = System.currentTimeMillis() + 15_000;
            while (a.prefetchLeases().held() > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertThat(a.prefetchLeases().held()).isZero();
            assertThat(Long.parseLong(REDIS.redis().command("LLEN", key))).isEqualTo(20);
        } finally {
            sweeper.close();
        }
        assertThat(sweeper.running()).isFalse();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals(PrefetchSweeper.THREAD_NAME));
    }

    @Test
    void redis_killed_mid_run_spends_what_is_held_then_the_failure_mode_decides() throws Exception {
        Policy policy = policy(Algorithm.FIXED_WINDOW, "1000/1m", 50, FailureMode.CLOSED);
        RecordingMetrics metrics = new RecordingMetrics();
        RateLimiter a = new RateLimiter(policy, instanceStore(), new InMemoryStore(), metrics,
                new AuditLog(AuditLog.DEFAULT_MAX_PER_SECOND));
        for (int i = 0; i < 40; i++) {
            assertThat(a.acquire(HOT).allowed()).isTrue();
        }
        long held = a.prefetchLeases().held();
        assertThat(held).isPositive();
        REDIS.redis().stop();
        try {
            int fromLease = 0;
            long worstMillis = 0;
            for (int i = 0; i < held + 10; i++) {
                long start = System.nanoTime();
                Decision d = a.acquire(HOT);
                worstMillis = Math.max(worstMillis, (System.nanoTime() - start) / 1_000_000);
                if (d.allowed()) {
                    fromLease++;
                } else {
                    assertThat(d.source()).as("failure mode closed").isEqualTo(DecisionSource.BYPASS);
                }
            }
            assertThat(fromLease).as("the permits held were counted: they are spent").isEqualTo((int) held);
            // Budget of one call here: connect (1 s) + call (1 s), once more on a dead connection; plus the lock wait.
            assertThat(worstMillis).as("no request waits past its budget").isLessThan(4 * 1_000 + 1_000);
        } finally {
            REDIS.redis().restart();
        }
        // Redis restarted empty: once the breaker lets calls through, the limiter counts there again.
        long deadline = System.currentTimeMillis() + 5_000;
        while (!a.acquire(HOT).source().equals(DecisionSource.REDIS) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertThat(a.acquire(HOT).source()).isEqualTo(DecisionSource.REDIS);
    }

    @Test
    void a_failed_return_loses_the_permits_and_counts_them() {
        Policy policy = policy(Algorithm.TOKEN_BUCKET, "1000/1m", 50, FailureMode.CLOSED);
        RecordingMetrics metrics = new RecordingMetrics();
        RateLimiter a = new RateLimiter(policy, instanceStore(), new InMemoryStore(), metrics,
                new AuditLog(AuditLog.DEFAULT_MAX_PER_SECOND));
        for (int i = 0; i < 40; i++) {
            a.acquire(HOT);
        }
        long held = a.prefetchLeases().held();
        assertThat(held).isPositive();
        assertThat(metrics.reserved.get()).isEqualTo(40 + held);
        REDIS.redis().stop();
        try {
            a.prefetchLeases().returnAll(2_000);
        } finally {
            REDIS.redis().restart();
        }
        assertThat(metrics.lost.get()).isEqualTo(held);
        assertThat(metrics.returned.get()).isZero();
        assertThat(metrics.prefetched.get()).as("spent without a store call").isEqualTo(40 - reservations(40));
    }

    /** Reservations of slow start 1, 2, 4, 8, ... needed to spend n requests: each one's first is a store call. */
    private static long reservations(long n) {
        long calls = 0;
        for (long size = 1, spent = 0; spent < n; size *= 2) {
            spent += size;
            calls++;
        }
        return calls;
    }

    @Test
    void without_prefetch_the_limiter_keeps_no_leases() {
        RateLimiter plain = new RateLimiter(policy(Algorithm.FIXED_WINDOW, "10/1m", 1, FailureMode.CLOSED),
                instanceStore(), new InMemoryStore());
        assertThat(plain.prefetchLeases()).isNull();
        long before = REDIS.redis().scriptCalls();
        for (int i = 0; i < 5; i++) {
            plain.acquire(HOT);
        }
        assertThat(REDIS.redis().scriptCalls() - before).as("one script call per request, as always").isEqualTo(5);
    }

    private static long counted(String key) {
        return Long.parseLong(REDIS.redis().command("GET", key));
    }


    private static final class RecordingMetrics implements PolicyMetrics {
        final AtomicLong prefetched = new AtomicLong();
        final AtomicLong reserved = new AtomicLong();
        final AtomicLong returned = new AtomicLong();
        final AtomicLong lost = new AtomicLong();

        @Override
        public void record(Decision decision, boolean fromStoreFailure, long storeNanos) {
        }

        @Override
        public void signatureFailure() {
        }

        @Override
        public void recordPrefetched(Decision decision) {
            prefetched.incrementAndGet();
        }

        @Override
        public void prefetchReserved(long permits) {
            reserved.addAndGet(permits);
        }

        @Override
        public void prefetchReturned(long permits) {
            returned.addAndGet(permits);
        }

        @Override
        public void prefetchLost(long permits) {
            lost.addAndGet(permits);
        }
    }
}
