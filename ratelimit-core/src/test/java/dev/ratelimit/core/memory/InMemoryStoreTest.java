package dev.ratelimit.core.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
