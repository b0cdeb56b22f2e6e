package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.testing.FakeRequest;

/**
 * How leases are sized and bounded, on the in-memory store (the Redis store answers alike: the store
 * contract); the store is wrapped only to record what each reservation asked for.
 */
class PrefetchLeasesTest {

    /** The in-memory store, recording the requests each reservation asked for. */
    static final class RecordingStore implements RateLimitStore {
        final InMemoryStore memory = new InMemoryStore();
        final List<Long> asked = new CopyOnWriteArrayList<>();

        @Override
        public Decision acquire(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost) {
            return memory.acquire(algorithm, keys, limits, cost);
        }

        @Override
        public Reservation reserve(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost, long units,
                                   long holdMillis) {
            asked.add(units);
            return memory.reserve(algorithm, keys, limits, cost, units, holdMillis);
        }

        @Override
        public void giveBack(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost,
                             Reservation reservation, long units) {
            memory.giveBack(algorithm, keys, limits, cost, reservation, units);
        }

        @Override
        public void reset(List<String> keys) {
            memory.reset(keys);
        }

        @Override
        public List<String> keysMatching(String pattern) {
            return memory.keysMatching(pattern);
        }

        @Override
        public StoreHealth health() {
            return memory.health();
        }

        @Override
        public String describe() {
            return "recording " + memory.describe();
        }

        @Override
        public void close() {
            memory.close();
        }
    }

    private static Policy policy(String limits, int prefetch) {
        return Policy.builder("p").limits(Limit.parseAll("limits", limits)).prefetch(prefetch).build();
    }

    @Test
    void a_busy_identity_doubles_its_reservations_up_to_prefetch() {
        RecordingStore store = new RecordingStore();
        RateLimiter limiter = new RateLimiter(policy("100000/1h", 50), store, null);
        for (int i = 0; i < 300; i++) {
            assertThat(limiter.acquire(FakeRequest.from("192.0.2.1")).allowed()).isTrue();
        }
        assertThat(store.asked).startsWith(1L, 2L, 4L, 8L, 16L, 32L, 50L, 50L);
        assertThat(store.asked).hasSize(6 + (300 - 63 + 49) / 50);
    }

    @Test
    void a_lease_given_back_unspent_halves_the_next_reservation() throws InterruptedException {
        RecordingStore store = new RecordingStore();
        RateLimiter limiter = new RateLimiter(policy("100000/1h", 50), store, null);
        for (int i = 0; i < 40; i++) {
            limiter.acquire(FakeRequest.from("192.0.2.1"));
        }
        assertThat(store.asked).containsExactly(1L, 2L, 4L, 8L, 16L, 32L);
        Thread.sleep(PrefetchLeases.QUIET_MILLIS + 100);
        limiter.prefetchLeases().sweep();
        assertThat(limiter.prefetchLeases().held()).isZero();
        limiter.acquire(FakeRequest.from("192.0.2.1"));
        assertThat(store.asked).as("32 halved").endsWith(16L);
    }

    @Test
    void a_reservation_never_exceeds_what_the_smallest_limit_holds_for_the_cost() {
        RecordingStore store = new RecordingStore();
        Policy policy = Policy.builder("p").limits(Limit.parseAll("limits", "1000/1h")).cost(3).prefetch(50).build()
                .withLimits(Limit.parseAll("limits", "30/1h"));
        RateLimiter limiter = new RateLimiter(policy, store, null);
        int admitted = 0;
        for (int i = 0; i < 40; i++) {
            admitted += limiter.acquire(FakeRequest.from("192.0.2.1")).allowed() ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(10);
        assertThat(store.asked).allMatch(units -> units <= 10);
    }

    @Test
    void clients_cannot_grow_the_lease_table_past_its_bound() {
        RecordingStore store = new RecordingStore();
        RateLimiter limiter = new RateLimiter(policy("10/1h", 5), store, null);
        int identities = PrefetchLeases.MAX_IDENTITIES + 500;
        for (int i = 0; i < identities; i++) {
            FakeRequest request = FakeRequest.from("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
            assertThat(limiter.acquire(request).allowed()).isTrue();
        }
        assertThat(limiter.prefetchLeases().identities()).isEqualTo(PrefetchLeases.MAX_IDENTITIES);
        assertThat(store.asked).as("past the bound, one request at a time").hasSize(identities).containsOnly(1L);
    }

    @Test
    void the_headers_of_a_request_served_from_a_lease_count_down_as_if_each_had_asked_the_store() {
        RateLimiter limiter = new RateLimiter(policy("100/1h", 50), new RecordingStore(), null);
        for (int i = 99; i >= 90; i--) {
            Decision d = limiter.acquire(FakeRequest.from("192.0.2.1"));
            assertThat(d.limit()).isEqualTo(100);
            assertThat(d.remaining()).isEqualTo(i);
        }
    }

    @Test
    void a_reset_drops_the_leases_held_under_the_old_counters() {
        RateLimiter limiter = new RateLimiter(policy("100/1h", 50), new RecordingStore(), null);
        FakeRequest request = FakeRequest.from("192.0.2.1");
        for (int i = 0; i < 20; i++) {
            limiter.acquire(request);
        }
        assertThat(limiter.prefetchLeases().held()).isPositive();
        limiter.reset(request);
        assertThat(limiter.prefetchLeases().held()).as("counted under the keys just deleted").isZero();
        int admitted = 0;
        while (admitted < 200 && limiter.acquire(request).allowed()) {
            admitted++;
        }
        assertThat(admitted).as("the whole limit again, no more").isEqualTo(100);
    }
}
