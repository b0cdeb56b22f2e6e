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

import dev.ratelimit.core.ConcurrencyGate;
import dev.ratelimit.core.ConcurrencyLimiter;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.LeaseRenewer;
import dev.ratelimit.core.Permit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.PermitStore;
import dev.ratelimit.core.redis.RedisClients;
import dev.ratelimit.core.redis.RedisStore;

/**
 * One request's permit as the filter takes and gives it back: {@link ConcurrencyGate#acquire} (key, holder id, lease
 * tracking, {@code permit-acquire.lua} through {@code RedisPermitStore}) then {@link Permit#release()}
 * ({@code permit-release.lua}), for {@link Identities#COUNT} clients. One operation is the pair: two Redis calls.
 * Every permit must be granted by Redis; a failure-mode bypass fails the run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ConcurrencyPairBench {

    @Param({Policies.HUGE_CONCURRENCY})
    public String limits;

    private RedisClients clients;
    private RedisStore store;
    private LeaseRenewer renewer;
    private ConcurrencyGate gate;
    private BenchRequest[] requests;
    private final LongAdder notFromRedis = new LongAdder();

    @Setup
    public void setUp() {
        clients = new RedisClients();
        store = clients.open(BenchRedis.settings());
        Policy policy = Policies.of("concurrency", limits);
        PermitStore permits = store.permits();
        renewer = new LeaseRenewer(permits);
        ConcurrencyLimiter limiter = new ConcurrencyLimiter(permits, renewer, policy.limits().get(0).permits(),
                policy.limits().get(0).windowMillis());
        // Failure mode open (Policies): no in-memory fallback needed.
        gate = new ConcurrencyGate(policy, limiter, null, store.describe());
        requests = Identities.requests(Identities.COUNT);
    }

    @Benchmark
    public Permit acquireAndRelease(Identities.Cursor cursor) {
        Permit permit = gate.acquire(requests[cursor.next(requests.length)]);
        if (permit.decision().source() != DecisionSource.REDIS || !permit.granted()) {
            notFromRedis.increment();
        }
        permit.release();
        return permit;
    }

    @TearDown
    public void tearDown() {
        renewer.close();
        store.close();
        clients.close();
        if (notFromRedis.sum() > 0) {
            throw new IllegalStateException(notFromRedis.sum() + " permits were not granted by Redis");
        }
    }
}
