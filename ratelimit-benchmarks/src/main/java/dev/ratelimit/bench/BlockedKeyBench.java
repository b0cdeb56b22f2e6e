package dev.ratelimit.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.ratelimit.core.Decision;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.redis.RedisClients;
import dev.ratelimit.core.redis.RedisStore;
import redis.clients.jedis.RedisClient;

/**
 * Clients already over their limit ({@code 1/1h}): after Redis' first denial the local deny cache
 * answers until the retry-after. Counts Redis' EVALSHA calls (INFO commandstats) from the end of
 * setup to the end of the run and writes them to {@code blocked-redis-calls-<algorithm>.txt} in
 * {@code -Dbench.work}; every decision must be a denial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class BlockedKeyBench {

    static final int BLOCKED = 1_000;

    @Param({"fixed-window", "token-bucket"})
    public String algorithm;

    private RedisClients clients;
    private RedisStore store;
    private RateLimiter limiter;
    private BenchRequest[] requests;
    private RedisClient stats;
    private long callsAfterSetup;
    private final LongAdder allowed = new LongAdder();

    @Setup
    public void setUp() {
        clients = new RedisClients();
        store = clients.open(BenchRedis.settings());
        // Its own scope so no throughput run's counters are touched.
        limiter = new RateLimiter(Policies.of(algorithm, "1/1h"), store, null);
        requests = new BenchRequest[BLOCKED];
        BenchRequest[] all = Identities.requests(BLOCKED);
        for (int i = 0; i < BLOCKED; i++) {
            requests[i] = new BenchRequest("blocked-" + all[i].remoteAddress());
            limiter.acquire(requests[i]);
            if (limiter.acquire(requests[i]).allowed()) {
                throw new IllegalStateException("Second request of " + requests[i].remoteAddress() + " was allowed");
            }
        }
        stats = BenchRedis.rawClient();
        callsAfterSetup = RedisStats.evalshaCalls(stats);
    }

    @Benchmark
    public Decision acquire(Identities.Cursor cursor) {
        Decision decision = limiter.acquire(requests[cursor.next(requests.length)]);
        if (decision.allowed()) {
            allowed.increment();
        }
        return decision;
    }

    @TearDown
    public void tearDown() {
        long calls = RedisStats.evalshaCalls(stats) - callsAfterSetup;
        stats.close();
        store.close();
        clients.close();
        String work = System.getProperty("bench.work");
        if (work != null) {
            try {
                Files.writeString(Path.of(work, "blocked-redis-calls-" + algorithm + ".txt"), Long.toString(calls));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (allowed.sum() > 0) {
            throw new IllegalStateException(allowed.sum() + " requests of blocked clients were allowed");
        }
    }
}
