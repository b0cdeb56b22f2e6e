package dev.ratelimit.bench;

import java.time.Duration;
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

import dev.ratelimit.core.Policy;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.distributed.serialization.Mapper;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import redis.clients.jedis.RedisClient;

/**
 * The peer: Bucket4j's Jedis integration (compare-and-swap proxy manager) doing the same limit
 * ({@value Policies#HUGE}, token bucket) for the same clients on the same Redis and an equal pool.
 * Its bucket proxies are built once beforehand, its best case; keys expire like ours.
 * {@code optimization=batching}: the second peer, Bucket4j's own optimization for hot buckets
 * ({@code Optimizations.batching()}: concurrent requests to one bucket proxy are combined into one
 * compare-and-swap), which pays on a hot identity ({@code identities=1}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Bucket4jBench {

    /** {@code none} (plain Bucket4j-Jedis) or {@code batching}. */
    @Param({"none"})
    public String optimization;

    /** {@value Identities#COUNT} distinct clients, or 1: a hot identity. */
    @Param({"10000"})
    public String identities;

    private RedisClient client;
    private Bucket[] buckets;
    private final LongAdder refused = new LongAdder();

    @Setup
    public void setUp() {
        client = BenchRedis.rawClient();
        ProxyManager<String> proxies = Bucket4jJedis.casBasedBuilder(client)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                .keyMapper(Mapper.STRING)
                .build();
        BucketConfiguration config = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(999_999_999L).refillGreedy(999_999_999L, Duration.ofHours(1)))
                .build();
        Policy ours = Policies.of("token-bucket", Policies.HUGE);
        BenchRequest[] requests = Identities.requests(Identities.parse(identities));
        buckets = new Bucket[requests.length];
        for (int i = 0; i < requests.length; i++) {
            String key = "b4j:" + optimization + ":" + ours.keyLayout().keysFor(requests[i]).get(0);
            buckets[i] = builder(proxies).build(key, () -> config);
        }
    }

    private RemoteBucketBuilder<String> builder(ProxyManager<String> proxies) {
        switch (optimization) {
            case "none":
                return proxies.builder();
            case "batching":
                return proxies.builder().withOptimization(Optimizations.batching());
            default:
                throw new IllegalArgumentException("optimization: none or batching, got " + optimization);
        }
    }

    @Benchmark
    public boolean tryConsume(Identities.Cursor cursor) {
        boolean consumed = buckets[cursor.next(buckets.length)].tryConsume(1);
        if (!consumed) {
            refused.increment();
        }
        return consumed;
    }

    @TearDown
    public void tearDown() {
        client.close();
        if (refused.sum() > 0) {
            throw new IllegalStateException(refused.sum() + " Bucket4j requests were refused");
        }
    }
}
