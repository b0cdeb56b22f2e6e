package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.testing.TestRedis;

/**
 * A full token bucket admits any cost up to its capacity, in Redis and in memory, and both stores
 * leave the same number of tokens. (In floating point, {@code 7 × (1e6 / 7) > 1e6}: a bucket of 7 per
 * second refused a request costing 7 forever.)
 */
class TokenBucketArithmeticTest {

    private static TestRedis redis;
    private static RedisClients clients;
    private static RedisStore store;

    @BeforeContainer
    static void startRedis() {
        redis = TestRedis.start();
        clients = new RedisClients();
        store = clients.open(RedisUrl.standalone("redis-url", redis.url()).timeouts(2_000, 2_000).build());
    }

    @AfterContainer
    static void stopRedis() {
        store.close();
        clients.close();
        redis.close();
    }

    record Bucket(long capacity, long windowMillis, long cost) {
        List<Limit> limits() {
            return List.of(new Limit(capacity, windowMillis));
        }
    }

    /** Capacities 1..10,000, windows 1 s..1 d (any millisecond, and whole seconds, minutes, hours), every cost. */
    @Provide
    Arbitrary<Bucket> fullBuckets() {
        Arbitrary<Integer> capacities = Arbitraries.integers().between(1, 10_000);
        Arbitrary<Long> windows = Arbitraries.oneOf(
                Arbitraries.longs().between(1_000, 86_400_000),
                Arbitraries.longs().between(1, 86_400).map(seconds -> seconds * 1_000),
                Arbitraries.of(1_000L, 60_000L, 3_600_000L, 86_400_000L));
        return Combinators.combine(capacities, windows).flatAs((capacity, window) ->
                Arbitraries.integers().between(1, capacity).map(cost -> new Bucket(capacity, window, cost)));
    }

    @Property(tries = 2_000)
    void a_full_bucket_in_memory_admits_any_cost_up_to_its_capacity(@ForAll("fullBuckets") Bucket bucket) {
        assertAdmitsFromFull(new InMemoryStore(), "m:{a}", bucket);
    }

    @Property(tries = 200)
    void a_full_bucket_in_redis_admits_any_cost_up_to_its_capacity_as_in_memory(@ForAll("fullBuckets") Bucket bucket) {
        Decision inRedis = assertAdmitsFromFull(store, "tb:" + UUID.randomUUID() + ":{a}", bucket);
        Decision inMemory = assertAdmitsFromFull(new InMemoryStore(), "m:{a}", bucket);
        assertThat(inRedis.remaining()).isEqualTo(inMemory.remaining());
        assertThat(inRedis.limit()).isEqualTo(inMemory.limit());
    }

    @Example
    void buckets_whose_token_is_a_repeating_fraction_admit_their_whole_capacity_at_once() {
        for (Bucket bucket : List.of(new Bucket(7, 1_000, 7), new Bucket(14, 1_000, 14),
                new Bucket(51, 60_000, 51), new Bucket(43, 3_600_000, 43))) {
            assertAdmitsFromFull(store, "tb:" + UUID.randomUUID() + ":{a}", bucket);
            assertAdmitsFromFull(new InMemoryStore(), "m:{a}", bucket);
        }
    }

    private static Decision assertAdmitsFromFull(RateLimitStore on, String key, Bucket bucket) {
        Decision d = on.acquire(Algorithm.TOKEN_BUCKET, List.of(key), bucket.limits(), bucket.cost());
        assertThat(d.allowed()).as("%s on %s", bucket, on.describe()).isTrue();
        assertThat(d.remaining()).as("%s on %s", bucket, on.describe()).isEqualTo(bucket.capacity() - bucket.cost());
        return d;
    }
}
