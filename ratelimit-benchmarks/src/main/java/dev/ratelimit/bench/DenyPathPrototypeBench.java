package dev.ratelimit.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.ratelimit.core.Decision;
import dev.ratelimit.core.DecisionSource;
import dev.ratelimit.core.Policy;

/**
 * PROTOTYPE, for comparison with {@link BlockedKeyBench}: the blocked-client path as core's
 * {@code RateLimiter} + {@code LocalDenyCache} walk it (key, map lookup, deadline check, fresh denial),
 * with the key from {@link LeanKeysPrototype} instead of {@code KeyLayout}. No Redis involved.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DenyPathPrototypeBench {

    private LeanKeysPrototype keys;
    private BenchRequest[] requests;
    private final Map<String, long[]> denied = new ConcurrentHashMap<>();

    @Setup
    public void setUp() {
        Policy policy = Policies.of("fixed-window", "1/1h");
        keys = new LeanKeysPrototype(policy);
        requests = Identities.requests(BlockedKeyBench.BLOCKED);
        long until = System.nanoTime() + TimeUnit.HOURS.toNanos(1);
        for (BenchRequest request : requests) {
            denied.put(keys.keysFor(request).get(0), new long[] {until, System.currentTimeMillis() + 3_600_000L});
        }
    }

    @Benchmark
    public Decision acquire(Identities.Cursor cursor) {
        String key = keys.keysFor(requests[cursor.next(requests.length)]).get(0);
        long now = System.nanoTime();
        long[] entry = denied.get(key);
        long left = entry[0] - now;
        return Decision.denied(1, 0, entry[1], (left + 999_999) / 1_000_000, DecisionSource.REDIS);
    }
}
