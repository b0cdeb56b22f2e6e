package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class RecentHeavyHittersTest {

    private final AtomicLong clock = new AtomicLong(60_000 * 1000);
    private final RecentHeavyHitters hitters = new RecentHeavyHitters(3, 15, 60_000, clock::get);

    @Test
    void the_most_denied_comes_first_with_its_exact_count_while_counters_suffice() {
        for (int i = 0; i < 5; i++) {
            hitters.add("ip=203.0.113.7");
        }
        hitters.add("ip=198.51.100.1");
        assertThat(hitters.summary().top(10)).extracting(RecentHeavyHitters.Estimate::toString)
                .containsExactly("ip=203.0.113.7=5", "ip=198.51.100.1=1");
    }

    @Test
    void a_minute_older_than_the_window_is_forgotten_and_the_rest_stays() {
        hitters.add("old");
        clock.addAndGet(60_000);
        hitters.add("newer");
        clock.addAndGet(14 * 60_000);
        RecentHeavyHitters.Summary summary = hitters.summary();
        assertThat(summary.top(10)).extracting(RecentHeavyHitters.Estimate::item).containsExactly("newer");
        assertThat(summary.perBucket()[0]).isEqualTo(1);
        assertThat(summary.perBucket()[14]).isZero();
    }

    @Test
    void a_clock_stepping_back_counts_into_the_newest_minute() {
        clock.addAndGet(5 * 60_000);
        hitters.add("a");
        clock.addAndGet(-3 * 60_000);
        hitters.add("a");
        assertThat(hitters.summary().perBucket()[14]).isEqualTo(2);
    }

    @Test
    void a_new_identity_takes_over_the_least_counted_counter_with_that_count_as_its_error() {
        for (String item : new String[] {"a", "a", "a", "b", "b", "c", "d"}) {
            hitters.add(item);
        }
        // d replaced c (count 1): d's count 2 may hold 1 of someone else's.
        RecentHeavyHitters.Estimate d = hitters.summary().top(10).stream().filter(e -> e.item().equals("d"))
                .findFirst().orElseThrow();
        assertThat(d.count()).isEqualTo(2);
        assertThat(d.guaranteed()).isEqualTo(1);
    }
}
