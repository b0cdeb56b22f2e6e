package dev.ratelimit.bench;

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
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.redis.RedisClients;
import dev.ratelimit.core.redis.RedisStore;

/**
 * Our engine as the filter uses it: {@link RateLimiter#acquire} (keys, deny cache, breaker, EVALSHA,
 * pipelining of concurrent calls, reply parsing) over the shared pooled {@link RedisStore}, for
 * {@link Identities#COUNT} clients.
 * Every decision must come from Redis; a failure-mode bypass fails the run instead of flattering it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RedisEngineBench {

    @Param({"fixed-window", "token-bucket", "sliding-window"})
    public String algorithm;

    @Param({Policies.HUGE})
    public String limits;

    /** {@code false}: every call on its own pooled connection (as before pipelining existed). */
    @Param({"true"})
    public String pipelining;

    private RedisClients clients;
    private RedisStore store;
    private RateLimiter limiter;
    private BenchRequest[] requests;
    private final LongAdder notFromRedis = new LongAdder();

    @Setup
    public void setUp() {
        clients = new RedisClients();
        store = clients.open(BenchRedis.settingsBuilder().pipelining(Boolean.parseBoolean(pipelining)).build());
        limiter = new RateLimiter(Policies.of(algorithm, limits), store, null);
        requests = Identities.requests(Identities.COUNT);
    }

    @Benchmark
    public Decision acquire(Identities.Cursor cursor) {
        Decision decision = limiter.acquire(requests[cursor.next(requests.length)]);
        if (decision.source() != DecisionSource.REDIS || !decision.allowed()) {
            notFromRedis.increment();
        }
        return decision;
    }

    @TearDown
    public void tearDown() {
        store.close();
        clients.close();
        if (notFromRedis.sum() > 0) {
            throw new IllegalStateException(notFromRedis.sum() + " decisions were not allowed by Redis");
        }
    }
}
