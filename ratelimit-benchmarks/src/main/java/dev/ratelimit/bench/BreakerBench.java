package dev.ratelimit.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.ratelimit.core.StoreCircuitBreaker;

/**
 * What every Redis decision pays the circuit breaker (Failsafe): one permit and one success, on one
 * breaker shared by all threads, as {@code RedisStore} does per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class BreakerBench {

    private StoreCircuitBreaker breaker;

    @Setup
    public void setUp() {
        breaker = new StoreCircuitBreaker("bench", StoreCircuitBreaker.DEFAULT_FAILURES,
                StoreCircuitBreaker.DEFAULT_OPEN_MILLIS, StoreCircuitBreaker.DEFAULT_PROBES);
    }

    @Benchmark
    public boolean permitAndSuccess() {
        boolean permitted = breaker.tryAcquire();
        breaker.recordSuccess();
        return permitted;
    }
}
