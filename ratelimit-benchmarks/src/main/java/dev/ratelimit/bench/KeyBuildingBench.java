package dev.ratelimit.bench;

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

import dev.ratelimit.core.KeyLayout;
import dev.ratelimit.core.Policy;

/**
 * Key building alone: {@link KeyLayout#keysFor} as shipped, and {@link LeanKeysPrototype} (a
 * prototype for core, same keys) side by side.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class KeyBuildingBench {

    @Param({Policies.HUGE, Policies.HUGE_MULTI})
    public String limits;

    private Policy policy;
    private LeanKeysPrototype lean;
    private BenchRequest[] requests;

    @Setup
    public void setUp() {
        policy = Policies.of("fixed-window", limits);
        lean = new LeanKeysPrototype(policy);
        requests = Identities.requests(Identities.COUNT);
        for (BenchRequest request : requests) {
            if (!policy.keyLayout().keysFor(request).equals(lean.keysFor(request))) {
                throw new IllegalStateException("The prototype builds other keys for " + request.remoteAddress()
                        + ": " + lean.keysFor(request) + " instead of " + policy.keyLayout().keysFor(request));
            }
        }
    }

    @Benchmark
    public List<String> keysFor(Identities.Cursor cursor) {
        return policy.keyLayout().keysFor(requests[cursor.next(requests.length)]);
    }

    @Benchmark
    public List<String> leanKeysPrototype(Identities.Cursor cursor) {
        return lean.keysFor(requests[cursor.next(requests.length)]);
    }
}
