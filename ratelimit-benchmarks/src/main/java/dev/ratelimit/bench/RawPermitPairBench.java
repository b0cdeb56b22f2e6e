package dev.ratelimit.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.ratelimit.core.Policy;
import redis.clients.jedis.RedisClient;

/**
 * The physical limit of {@link ConcurrencyPairBench}: the shipped {@code permit-acquire.lua} then
 * {@code permit-release.lua}, two EVALSHA in a bare loop on a client with the engine's pool configuration, keys built
 * beforehand and one holder id per thread. engine / this is the engine's own overhead on the pair.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RawPermitPairBench {

    @Param({Policies.HUGE_CONCURRENCY})
    public String limits;

    private RedisClient client;
    private String acquireSha;
    private String releaseSha;
    private List<List<String>> keys;
    private String limit;
    private String lease;

    /** One holder id per thread, as each thread runs one request at a time. */
    @State(Scope.Thread)
    public static class Holder {
        List<String> acquireArgs;
        List<String> releaseArgs;

        @Setup
        public void setUp(RawPermitPairBench bench) {
            String holder = UUID.randomUUID().toString();
            acquireArgs = Arrays.asList(bench.limit, bench.lease, holder);
            releaseArgs = Collections.singletonList(holder);
        }
    }

    @Setup
    public void setUp() {
        Policy policy = Policies.of("concurrency", limits);
        limit = Long.toString(policy.limits().get(0).permits());
        lease = Long.toString(policy.limits().get(0).windowMillis());
        client = BenchRedis.rawClient();
        acquireSha = client.scriptLoad(CoreScripts.source("permit-acquire"));
        releaseSha = client.scriptLoad(CoreScripts.source("permit-release"));
        BenchRequest[] requests = Identities.requests(Identities.COUNT);
        keys = new ArrayList<>(requests.length);
        for (BenchRequest request : requests) {
            keys.add(policy.keyLayout().keysFor(request));
        }
    }

    @Benchmark
    public Object acquireAndRelease(Identities.Cursor cursor, Holder holder) {
        List<String> key = keys.get(cursor.next(keys.size()));
        Object granted = client.evalsha(acquireSha, key, holder.acquireArgs);
        client.evalsha(releaseSha, key, holder.releaseArgs);
        return granted;
    }

    @TearDown
    public void tearDown() {
        client.close();
    }
}
