package dev.ratelimit.bench;

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

import dev.ratelimit.core.Decision;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.memory.InMemoryStore;

/** The engine over the in-memory store (development, and failure mode {@code local}). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class InMemoryBench {

    @Param({"fixed-window", "token-bucket"})
    public String algorithm;

    @Param({Policies.HUGE})
    public String limits;

    private InMemoryStore store;
    private RateLimiter limiter;
    private BenchRequest[] requests;

    @Setup
    public void setUp() {
        store = new InMemoryStore();
        limiter = new RateLimiter(Policies.of(algorithm, limits), store, null);
        requests = Identities.requests(Identities.COUNT);
    }

    @Benchmark
    public Decision acquire(Identities.Cursor cursor) {
        return limiter.acquire(requests[cursor.next(requests.length)]);
    }

    @TearDown
    public void tearDown() {
        store.close();
    }
}
