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
 * {@link Identities#COUNT} clients or one hot identity.
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

    /** {@value Identities#COUNT} distinct clients, or 1: a hot identity. */
    @Param({"10000"})
    public String identities;

    /**
     * The policy's {@code prefetch} parameter (permits taken per script call and spent locally); {@code 0}: not
     * set (exact mode). A build without the parameter fails the fork (RunAll checks {@link Prefetch#supported()} first).
     */
    @Param({"0"})
    public String prefetch;

    private RedisClients clients;
    private RedisStore store;
    private RateLimiter limiter;
    private BenchRequest[] requests;
    private boolean exact;
    private final LongAdder notFromRedis = new LongAdder();

    @Setup
    public void setUp() {
        clients = new RedisClients();
        store = clients.open(BenchRedis.settingsBuilder().pipelining(Boolean.parseBoolean(pipelining)).build());
        limiter = new RateLimiter("0".equals(prefetch) ? Policies.of(algorithm, limits)
                : Policies.of(algorithm, limits, Prefetch.PARAM, Prefetch.require(prefetch)), store, null);
        requests = Identities.requests(Identities.parse(identities));
        exact = "0".equals(prefetch);
    }

    @Benchmark
    public Decision acquire(Identities.Cursor cursor) {
        Decision decision = limiter.acquire(requests[cursor.next(requests.length)]);
        // With prefetch, a decision may be served from permits taken earlier; only a bypass or a refusal is wrong.
        DecisionSource expected = exact ? DecisionSource.REDIS : decision.source();
        if (decision.source() != expected || decision.source() == DecisionSource.BYPASS || !decision.allowed()) {
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
