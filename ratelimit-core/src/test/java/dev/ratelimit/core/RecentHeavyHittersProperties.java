package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.Tuple;

/**
 * Properties of the windowed heavy-hitters summary against the exact counts of the same stream: it never
 * holds more than its counters per bucket, every item seen more than {@code total / counters} times in the
 * window is reported, and every estimate brackets the true count.
 */
class RecentHeavyHittersProperties {

    private static final long BUCKET_MILLIS = 10;

    /** One denial: who, and how many milliseconds after the one before. */
    static final class Event {
        final String item;
        final long delayMillis;

        Event(String item, long delayMillis) {
            this.item = item;
            this.delayMillis = delayMillis;
        }
    }

    /** Skewed streams: a few items often, many rarely, time moving by nothing, a little, or past the window. */
    @Provide
    Arbitrary<List<Event>> streams() {
        Arbitrary<String> items = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.of("a", "b", "c")),
                Tuple.of(5, Arbitraries.integers().between(0, 200).map(i -> "x" + i)));
        Arbitrary<Long> delays = Arbitraries.frequencyOf(
                Tuple.of(20, Arbitraries.just(0L)),
                Tuple.of(5, Arbitraries.longs().between(1, BUCKET_MILLIS)),
                Tuple.of(1, Arbitraries.longs().between(BUCKET_MILLIS, 8 * BUCKET_MILLIS)));
        return Combinators.combine(items, delays).as(Event::new).list().ofMaxSize(600);
    }

    /** The summary after the stream, and the exact counts of the window it covers. */
    private static final class Run {
        final RecentHeavyHitters hitters;
        final Map<String, Long> truth = new HashMap<>();
        long truthTotal;
        int largestBucketSeen;

        Run(List<Event> stream, int counters, int buckets) {
            AtomicLong clock = new AtomicLong(1_000_000);
            hitters = new RecentHeavyHitters(counters, buckets, BUCKET_MILLIS, clock::get);
            List<long[]> slots = new ArrayList<>();
            List<String> items = new ArrayList<>();
            for (Event e : stream) {
                clock.addAndGet(e.delayMillis);
                hitters.add(e.item);
                items.add(e.item);
                slots.add(new long[] {clock.get() / BUCKET_MILLIS});
                largestBucketSeen = Math.max(largestBucketSeen, hitters.largestBucket());
            }
            long now = clock.get() / BUCKET_MILLIS;
            for (int i = 0; i < items.size(); i++) {
                if (slots.get(i)[0] > now - buckets) {
                    truth.merge(items.get(i), 1L, Long::sum);
                    truthTotal++;
                }
            }
        }
    }

    @Property
    void no_bucket_ever_holds_more_than_its_counters(@ForAll("streams") List<Event> stream,
                                                    @ForAll @IntRange(min = 1, max = 8) int counters,
                                                    @ForAll @IntRange(min = 1, max = 6) int buckets) {
        Run run = new Run(stream, counters, buckets);
        assertThat(run.largestBucketSeen).isLessThanOrEqualTo(counters);
        assertThat(run.hitters.summary().top(Integer.MAX_VALUE)).hasSizeLessThanOrEqualTo(counters * buckets);
    }

    @Property
    void every_item_seen_more_than_total_over_counters_times_is_reported(
            @ForAll("streams") List<Event> stream, @ForAll @IntRange(min = 1, max = 8) int counters,
            @ForAll @IntRange(min = 1, max = 6) int buckets) {
        Run run = new Run(stream, counters, buckets);
        RecentHeavyHitters.Summary summary = run.hitters.summary();
        assertThat(summary.total()).isEqualTo(run.truthTotal);
        List<String> reported = new ArrayList<>();
        summary.heavyHitters().forEach(e -> reported.add(e.item()));
        run.truth.forEach((item, count) -> {
            if (count * counters > run.truthTotal) {
                assertThat(reported).as("%s seen %d of %d times", item, count, run.truthTotal).contains(item);
            }
        });
    }

    @Property
    void every_estimate_brackets_the_true_count(@ForAll("streams") List<Event> stream,
                                               @ForAll @IntRange(min = 1, max = 8) int counters,
                                               @ForAll @IntRange(min = 1, max = 6) int buckets) {
        Run run = new Run(stream, counters, buckets);
        for (RecentHeavyHitters.Estimate e : run.hitters.summary().top(Integer.MAX_VALUE)) {
            long truth = run.truth.getOrDefault(e.item(), 0L);
            assertThat(e.guaranteed()).as(e.toString()).isLessThanOrEqualTo(truth);
            assertThat(e.count()).as(e.toString()).isGreaterThanOrEqualTo(truth);
        }
    }

    /** Two limiters of one policy name, shown as one: the guarantees hold for the sum. */
    @Property
    void two_summaries_added_keep_both_guarantees(@ForAll("streams") List<Event> first,
                                                 @ForAll("streams") List<Event> second,
                                                 @ForAll @IntRange(min = 1, max = 8) int counters) {
        Run a = new Run(first, counters, 3);
        Run b = new Run(second, counters, 3);
        RecentHeavyHitters.Summary sum = a.hitters.summary().plus(b.hitters.summary());
        Map<String, Long> truth = new HashMap<>(a.truth);
        b.truth.forEach((item, count) -> truth.merge(item, count, Long::sum));
        long total = a.truthTotal + b.truthTotal;
        assertThat(sum.total()).isEqualTo(total);
        List<String> reported = new ArrayList<>();
        sum.heavyHitters().forEach(e -> reported.add(e.item()));
        truth.forEach((item, count) -> {
            if (count * counters > total) {
                assertThat(reported).contains(item);
            }
        });
        for (RecentHeavyHitters.Estimate e : sum.top(Integer.MAX_VALUE)) {
            long exact = truth.getOrDefault(e.item(), 0L);
            assertThat(e.guaranteed()).isLessThanOrEqualTo(exact);
            assertThat(e.count()).isGreaterThanOrEqualTo(exact);
        }
    }

    @Property
    void per_bucket_counts_add_up_to_the_total(@ForAll("streams") List<Event> stream,
                                              @ForAll @IntRange(min = 1, max = 6) int buckets) {
        Run run = new Run(stream, 4, buckets);
        RecentHeavyHitters.Summary summary = run.hitters.summary();
        assertThat(summary.perBucket()).hasSize(buckets);
        assertThat(java.util.Arrays.stream(summary.perBucket()).sum()).isEqualTo(summary.total());
    }
}
