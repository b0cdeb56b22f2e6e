package dev.ratelimit.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.Limit;
import dev.ratelimit.testing.TestRedisExtension;

/** The sliding window against a real Redis: no 2N across a boundary, and what an identity costs in memory. */
class SlidingWindowRedisTest {

    @RegisterExtension
    static final TestRedisExtension REDIS = new TestRedisExtension();

    private static RedisClients clients;
    private static RedisStore store;

    @BeforeAll
    static void connect() {
        clients = new RedisClients();
        store = clients.open(RedisUrl.standalone("redis-url", REDIS.url()).timeouts(2_000, 2_000).build());
    }

    @AfterAll
    static void disconnect() {
        store.close();
        clients.close();
    }

    private static String key() {
        return "test:" + UUID.randomUUID() + ":{sw}";
    }

    /**
     * Requests every few ms for 1.6 s against 5 per 400 ms. Each admitted request's call is timed on this
     * machine (Redis runs on it too): the request admitted 5 after another must have been decided at least
     * a window later, which a fixed window breaks at every boundary. It also admits again in every window.
     */
    @Test
    void never_admits_more_than_the_limit_in_any_window_across_boundaries() throws InterruptedException {
        String key = key();
        List<Limit> limits = List.of(new Limit(5, 400));
        List<long[]> admitted = new ArrayList<>();
        long end = System.nanoTime() + 1_600_000_000L;
        while (System.nanoTime() < end) {
            long before = System.nanoTime();
            Decision d = store.acquire(Algorithm.SLIDING_WINDOW, List.of(key), limits, 1);
            long after = System.nanoTime();
            if (d.allowed()) {
                admitted.add(new long[] {before, after});
            }
            Thread.sleep(3);
        }
        // The log keeps Redis time in whole milliseconds (truncated), so a permit stops counting when the
        // millisecond 400 after its own begins: up to 1 ms less than 400 ms by this machine's clock.
        for (int i = 0; i + 5 < admitted.size(); i++) {
            assertThat(admitted.get(i + 5)[1] - admitted.get(i)[0])
                    .as("ns from admitted request %d to the one 5 later", i).isGreaterThan(399_000_000L);
        }
        assertThat(admitted.size()).as("5 per window over 4 windows").isBetween(16, 25);
    }

    @Test
    void a_denial_says_exactly_when_the_oldest_permit_frees() throws InterruptedException {
        String key = key();
        List<Limit> limits = List.of(new Limit(3, 500));
        store.acquire(Algorithm.SLIDING_WINDOW, List.of(key), limits, 1);
        Thread.sleep(200);
        store.acquire(Algorithm.SLIDING_WINDOW, List.of(key), limits, 2);
        Decision denied = store.acquire(Algorithm.SLIDING_WINDOW, List.of(key), limits, 1);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfterMillis()).as("the first permit frees 500 ms after it was taken").isBetween(250L, 300L);
        Thread.sleep(denied.retryAfterMillis());
        assertThat(store.acquire(Algorithm.SLIDING_WINDOW, List.of(key), limits, 1).allowed()).isTrue();
        assertThat(store.acquire(Algorithm.SLIDING_WINDOW, List.of(key), limits, 1).allowed())
                .as("the two taken at 200 ms still count").isFalse();
    }

    @Test
    void keeps_at_most_the_limit_of_times_and_a_ttl_of_one_window() {
        String key = key();
        List<Limit> limits = List.of(new Limit(50, 60_000));
        for (int i = 0; i < 80; i++) {
            store.acquire(Algorithm.SLIDING_WINDOW, List.of(key), limits, 1);
        }
        assertThat(REDIS.redis().command("LLEN", key)).isEqualTo("50");
        assertThat(Long.parseLong(REDIS.redis().command("PTTL", key))).isBetween(59_000L, 60_000L);
    }

    /**
     * What one identity costs in Redis with its log full, as {@code MEMORY USAGE key} reports it (the
     * figures in src/docs/algorithms.md come from this output). Asserted only loosely, per permit.
     */
    @Test
    void measures_the_memory_of_a_full_log() {
        StringBuilder table = new StringBuilder("sliding-window MEMORY USAGE per identity (full log):");
        for (int permits : new int[] {10, 100, 1_000, 10_000}) {
            String key = "ratelimit:api:api-limit:*:*:*:{ip=203.0.113.7}:sw:3600000:" + permits;
            store.acquire(Algorithm.SLIDING_WINDOW, List.of(key), List.of(new Limit(permits, 3_600_000)), permits);
            long bytes = Long.parseLong(REDIS.redis().command("MEMORY", "USAGE", key, "SAMPLES", "0"));
            table.append(String.format("%n  N=%-6d %8d bytes (%.1f per permit)", permits, bytes, bytes / (double) permits));
            assertThat(bytes).isLessThan(200L + 16L * permits);
        }
        System.out.println(table);
    }
}
