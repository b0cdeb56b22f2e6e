package dev.ratelimit.core.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.RateLimitStore;
import dev.ratelimit.core.StoreContract;

class InMemoryStoreTest extends StoreContract {

    private final InMemoryStore store = new InMemoryStore();

    @Override
    protected RateLimitStore store() {
        return store;
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void never_holds_more_than_its_bound() {
        InMemoryStore small = new InMemoryStore(100, Clock.systemUTC());
        for (int i = 0; i < 1_000; i++) {
            small.acquire(Algorithm.FIXED_WINDOW, List.of("k:{" + i + "}"), Limit.parseAll("limits", "5/1h"), 1);
        }
        assertThat(small.size()).isLessThanOrEqualTo(100);
    }

    @Test
    void drops_expired_counters_first_when_full() {
        MutableClock clock = new MutableClock();
        InMemoryStore small = new InMemoryStore(10, clock);
        List<Limit> shortLimit = Limit.parseAll("limits", "1/1s");
        List<Limit> longLimit = Limit.parseAll("limits", "1/1h");
        small.acquire(Algorithm.FIXED_WINDOW, List.of("long:{kept}"), longLimit, 1);
        for (int i = 0; i < 9; i++) {
            small.acquire(Algorithm.FIXED_WINDOW, List.of("short:{" + i + "}"), shortLimit, 1);
        }
        clock.advance(Duration.ofSeconds(2));
        small.acquire(Algorithm.FIXED_WINDOW, List.of("new:{one}"), shortLimit, 1);
        assertThat(small.size()).isEqualTo(2);
        assertThat(small.acquire(Algorithm.FIXED_WINDOW, List.of("long:{kept}"), longLimit, 1).allowed())
                .as("the long-lived counter survived the sweep").isFalse();
    }

    @Test
    void token_bucket_uses_the_clock_it_is_given() {
        MutableClock clock = new MutableClock();
        InMemoryStore store = new InMemoryStore(10, clock);
        List<Limit> limit = Limit.parseAll("limits", "10/1s");
        for (int i = 0; i < 10; i++) {
            store.acquire(Algorithm.TOKEN_BUCKET, List.of("tb:{a}"), limit, 1);
        }
        assertThat(store.acquire(Algorithm.TOKEN_BUCKET, List.of("tb:{a}"), limit, 1).allowed()).isFalse();
        clock.advance(Duration.ofMillis(350));
        assertThat(store.acquire(Algorithm.TOKEN_BUCKET, List.of("tb:{a}"), limit, 3).remaining()).isZero();
        assertThat(store.acquire(Algorithm.TOKEN_BUCKET, List.of("tb:{a}"), limit, 1).allowed()).isFalse();
    }

    /**
     * 16 threads spend the permits of 64 identities while 16 others flood the store with new identities,
     * so it evicts all the time. The flood stays out of the tracked identities' stripe: evicting there
     * would be legitimate (the least recently used entry goes), so only a flood that reaches across
     * stripes, or an update lost to a concurrent eviction, can let an identity past its limit.
     */
    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void a_flood_of_new_identities_never_lets_a_tracked_identity_past_its_limit(Algorithm algorithm) throws Exception {
        InMemoryStore store = new InMemoryStore(20_000, Clock.systemUTC());
        // One permit an hour: every bucket, tracked or flooding, is then equally empty after its request.
        List<Limit> limits = Limit.parseAll("limits", "1/1h");
        String[] tracked = new String[64];
        int trackedStripe = store.stripe(identityKey("tracked-0"));
        for (int i = 0, candidate = 0; i < tracked.length; candidate++) {
            String key = identityKey("tracked-" + candidate);
            if (store.stripe(key) == trackedStripe) {
                tracked[i++] = key;
            }
        }
        AtomicIntegerArray admitted = new AtomicIntegerArray(tracked.length);
        AtomicBoolean flooding = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Future<?>> hammers = new ArrayList<>();
        List<Future<?>> floods = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            hammers.add(pool.submit(() -> {
                while (flooding.get()) {
                    for (int i = 0; i < tracked.length; i++) {
                        if (store.acquire(algorithm, List.of(tracked[i]), limits, 1).allowed()) {
                            admitted.incrementAndGet(i);
                        }
                    }
                }
            }));
            int thread = t;
            floods.add(pool.submit(() -> {
                for (int n = 0; n < 5_000; n++) {
                    String key = identityKey("flood-" + thread + "-" + n);
                    if (store.stripe(key) != trackedStripe) {
                        store.acquire(algorithm, List.of(key), limits, 1);
                    }
                }
            }));
        }
        try {
            for (Future<?> flood : floods) {
                flood.get(120, TimeUnit.SECONDS);
            }
        } finally {
            flooding.set(false);
            for (Future<?> hammer : hammers) {
                hammer.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
        }
        assertThat(store.size()).isLessThanOrEqualTo(20_000);
        for (int i = 0; i < tracked.length; i++) {
            assertThat(admitted.get(i)).as("admissions of %s", tracked[i]).isEqualTo(1);
        }
    }

    private static String identityKey(String identity) {
        return "ratelimit:api:*:*:*:{ip=" + identity + "}:x:3600000";
    }

    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
