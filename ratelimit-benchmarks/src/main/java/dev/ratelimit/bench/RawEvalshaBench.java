package dev.ratelimit.bench;

import java.util.ArrayList;
import java.util.List;
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
import dev.ratelimit.core.redis.RedisStore;
import redis.clients.jedis.RedisClient;

/**
 * The physical limit: the very Lua script the engine runs (read from the core jar), called with
 * EVALSHA in a bare loop on a client built with the engine's own pool configuration ({@link BenchRedis#rawClient}),
 * with keys and arguments built beforehand.
 * Nothing else happens per call, so engine / this is the engine's own overhead.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RawEvalshaBench {

    @Param({"fixed-window", "token-bucket", "sliding-window"})
    public String algorithm;

    @Param({Policies.HUGE})
    public String limits;

    /** {@value Identities#COUNT} distinct clients, or 1: a hot identity. */
    @Param({"10000"})
    public String identities;

    private RedisClient client;
    private String sha;
    private List<List<String>> keys;
    private List<String> args;

    @Setup
    public void setUp() {
        Policy policy = Policies.of(algorithm, limits);
        client = BenchRedis.rawClient();
        sha = client.scriptLoad(CoreScripts.source(algorithm));
        BenchRequest[] requests = Identities.requests(Identities.parse(identities));
        keys = new ArrayList<>(requests.length);
        for (BenchRequest request : requests) {
            keys.add(policy.keyLayout().keysFor(request));
        }
        args = RedisStore.scriptArgs(policy.algorithm(), policy.limits(), policy.cost());
    }

    @Benchmark
    public Object evalsha(Identities.Cursor cursor) {
        return client.evalsha(sha, keys.get(cursor.next(keys.size())), args);
    }

    @TearDown
    public void tearDown() {
        client.close();
    }
}
