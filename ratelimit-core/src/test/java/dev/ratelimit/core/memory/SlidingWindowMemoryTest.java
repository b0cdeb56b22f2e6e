package dev.ratelimit.core.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import dev.ratelimit.core.Algorithm;
import dev.ratelimit.core.Decision;
import dev.ratelimit.core.Limit;

/** The sliding window in memory on a clock moved by hand: exact, at the boundary and for any arrivals. */
class SlidingWindowMemoryTest {

    private static final List<String> KEY = List.of("sw:{a}");

    @Test
    void a_burst_at_the_end_of_one_window_and_the_start_of_the_next_admits_only_the_limit() {
        InMemoryStoreTest.MutableClock clock = new InMemoryStoreTest.MutableClock();
        InMemoryStore store = new InMemoryStore(100, clock);
        List<Limit> limits = List.of(new Limit(10, 1_000));
        store.acquire(Algorithm.SLIDING_WINDOW, KEY, limits, 1);
        clock.advance(Duration.ofMillis(899));
        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            admitted += store.acquire(Algorithm.SLIDING_WINDOW, KEY, limits, 1).allowed() ? 1 : 0;
        }
        assertThat(admitted).as("the first permit is still counted").isEqualTo(9);
        // Where a fixed window would start again with 10 fresh permits:
        clock.advance(Duration.ofMillis(201));
        for (int i = 0; i < 20; i++) {
            admitted += store.acquire(Algorithm.SLIDING_WINDOW, KEY, limits, 1).allowed() ? 1 : 0;
        }
        assertThat(admitted).as("only the first permit freed").isEqualTo(10);
        Decision denied = store.acquire(Algorithm.SLIDING_WINDOW, KEY, limits, 1);
        assertThat(denied.retryAfterMillis()).as("the nine taken at 899 ms free at 1,899 ms").isEqualTo(799);
        clock.advance(Duration.ofMillis(798));
        assertThat(store.acquire(Algorithm.SLIDING_WINDOW, KEY, limits, 1).allowed()).isFalse();
        clock.advance(Duration.ofMillis(1));
        for (int i = 0; i < 9; i++) {
            assertThat(store.acquire(Algorithm.SLIDING_WINDOW, KEY, limits, 1).allowed()).isTrue();
        }
        assertThat(store.acquire(Algorithm.SLIDING_WINDOW, KEY, limits, 1).allowed()).isFalse();
    }

    record Step(long advanceMillis, long cost) {
    }

    record Run(Limit limit, List<Step> steps) {
    }

    @Provide
    Arbitrary<Run> runs() {
        return Combinators.combine(Arbitraries.integers().between(1, 12), Arbitraries.longs().between(1, 2_000))
                .as((permits, window) -> new Limit(permits, window))
                .flatMap(limit -> Combinators.combine(
                                Arbitraries.longs().between(0, limit.windowMillis() / 2 + 1),
                                Arbitraries.longs().between(1, limit.permits())).as(Step::new)
                        .list().ofMinSize(1).ofMaxSize(60).map(steps -> new Run(limit, steps)));
    }

    /**
     * Against a model that keeps every admitted request: a request passes exactly when the permits of
     * the last window leave room for its cost, and a denial's wait is exactly when they will.
     */
    @Property(tries = 500)
    void admits_exactly_what_fits_in_the_last_window_and_says_when_the_next_fits(@ForAll("runs") Run run) {
        InMemoryStoreTest.MutableClock clock = new InMemoryStoreTest.MutableClock();
        InMemoryStore store = new InMemoryStore(100, clock);
        long window = run.limit().windowMillis();
        long permits = run.limit().permits();
        List<long[]> admitted = new ArrayList<>();
        long now = 0;
        for (Step step : run.steps()) {
            clock.advance(Duration.ofMillis(step.advanceMillis()));
            now += step.advanceMillis();
            long counted = counted(admitted, now, window);
            Decision d = store.acquire(Algorithm.SLIDING_WINDOW, KEY, List.of(run.limit()), step.cost());
            assertThat(d.allowed()).isEqualTo(counted + step.cost() <= permits);
            if (d.allowed()) {
                admitted.add(new long[] {now, step.cost()});
                assertThat(d.remaining()).isEqualTo(permits - counted - step.cost());
            } else {
                long wait = d.retryAfterMillis();
                assertThat(wait).isPositive();
                assertThat(counted(admitted, now + wait, window) + step.cost()).isLessThanOrEqualTo(permits);
                assertThat(counted(admitted, now + wait - 1, window) + step.cost()).isGreaterThan(permits);
            }
        }
        for (long[] first : admitted) {
            assertThat(counted(admitted, first[0], window)).as("permits in any window").isLessThanOrEqualTo(permits);
        }
    }

    /** Permits taken in (at − window, at]. */
    private static long counted(List<long[]> admitted, long at, long window) {
        return admitted.stream().filter(a -> a[0] <= at && a[0] > at - window).mapToLong(a -> a[1]).sum();
    }
}
