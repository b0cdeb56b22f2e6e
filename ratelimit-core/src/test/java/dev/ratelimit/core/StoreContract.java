package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The decisions every store must make, for every algorithm. Each store's test extends this, so the
 * Redis scripts and the in-memory twin are held to one contract.
 */
public abstract class StoreContract {

    protected abstract RateLimitStore store();

    protected static String key(String name) {
        return "test:" + UUID.randomUUID() + ":{" + name + "}";
    }

    protected static List<Limit> limits(String text) {
        return Limit.parseAll("limits", text);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void admits_exactly_the_permits_then_denies(Algorithm algorithm) {
        List<String> keys = List.of(key("a"));
        List<Limit> limits = limits("5/1h");
        for (int i = 4; i >= 0; i--) {
            Decision d = store().acquire(algorithm, keys, limits, 1);
            assertThat(d.allowed()).isTrue();
            assertThat(d.limit()).isEqualTo(5);
            assertThat(d.remaining()).isEqualTo(i);
            assertThat(d.retryAfterMillis()).isZero();
        }
        Decision denied = store().acquire(algorithm, keys, limits, 1);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.remaining()).isZero();
        assertThat(denied.retryAfterMillis()).isBetween(1L, 3_600_000L);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void reports_a_reset_time_within_the_window(Algorithm algorithm) {
        long before = System.currentTimeMillis();
        Decision d = store().acquire(algorithm, List.of(key("reset")), limits("10/1m"), 1);
        // Redis' clock and ours may differ by a little; a minute's window leaves room for that.
        assertThat(d.resetAtMillis()).isBetween(before - 1_000, before + 61_000);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void takes_the_cost_of_a_request(Algorithm algorithm) {
        List<String> keys = List.of(key("cost"));
        List<Limit> limits = limits("5/1h");
        assertThat(store().acquire(algorithm, keys, limits, 3).remaining()).isEqualTo(2);
        Decision tooExpensive = store().acquire(algorithm, keys, limits, 3);
        assertThat(tooExpensive.allowed()).isFalse();
        assertThat(tooExpensive.remaining()).isEqualTo(2);
        assertThat(store().acquire(algorithm, keys, limits, 2).remaining()).isZero();
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void consumes_all_limits_or_none(Algorithm algorithm) {
        String perHour = key("multi");
        String perDay = perHour.replace("}", "}:day");
        List<Limit> both = limits("2/1h, 5/1d");
        assertThat(store().acquire(algorithm, List.of(perHour, perDay), both, 1).allowed()).isTrue();
        assertThat(store().acquire(algorithm, List.of(perHour, perDay), both, 1).allowed()).isTrue();
        Decision denied = store().acquire(algorithm, List.of(perHour, perDay), both, 1);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.limit()).as("the limit that denied").isEqualTo(2);
        // The denied request took nothing from the daily limit: 5 - 2 - 1 = 2 left after one more.
        Decision daily = store().acquire(algorithm, List.of(perDay), limits("5/1d"), 1);
        assertThat(daily.remaining()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void reports_the_limit_with_fewest_permits_left(Algorithm algorithm) {
        String a = key("bind");
        String b = a.replace("}", "}:b");
        Decision d = store().acquire(algorithm, List.of(a, b), limits("100/1d, 3/1h"), 1);
        assertThat(d.limit()).isEqualTo(3);
        assertThat(d.remaining()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void keeps_keys_apart(Algorithm algorithm) {
        List<Limit> limits = limits("1/1h");
        assertThat(store().acquire(algorithm, List.of(key("x")), limits, 1).allowed()).isTrue();
        assertThat(store().acquire(algorithm, List.of(key("y")), limits, 1).allowed()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void admits_again_once_the_window_has_passed(Algorithm algorithm) throws InterruptedException {
        List<String> keys = List.of(key("window"));
        List<Limit> limits = limits("2/300ms");
        store().acquire(algorithm, keys, limits, 1);
        store().acquire(algorithm, keys, limits, 1);
        Decision denied = store().acquire(algorithm, keys, limits, 1);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfterMillis()).isBetween(1L, 300L);
        Thread.sleep(450);
        assertThat(store().acquire(algorithm, keys, limits, 1).allowed()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void forgets_counters_on_reset(Algorithm algorithm) {
        List<String> keys = List.of(key("forget"));
        List<Limit> limits = limits("1/1h");
        store().acquire(algorithm, keys, limits, 1);
        assertThat(store().acquire(algorithm, keys, limits, 1).allowed()).isFalse();
        store().reset(keys);
        assertThat(store().acquire(algorithm, keys, limits, 1).allowed()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void admits_exactly_the_limit_under_32_concurrent_threads(Algorithm algorithm) throws Exception {
        List<String> keys = List.of(key("race"));
        List<Limit> limits = limits("100/1h");
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            results.add(pool.submit(() -> {
                start.await();
                return store().acquire(algorithm, keys, limits, 1).allowed();
            }));
        }
        start.countDown();
        int allowed = 0;
        for (Future<Boolean> result : results) {
            allowed += result.get(30, TimeUnit.SECONDS) ? 1 : 0;
        }
        pool.shutdown();
        assertThat(allowed).isEqualTo(100);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "TOKEN_BUCKET")
    void refills_tokens_evenly_over_the_window(Algorithm algorithm) throws InterruptedException {
        List<String> keys = List.of(key("refill"));
        List<Limit> limits = limits("10/1s");
        for (int i = 0; i < 10; i++) {
            store().acquire(algorithm, keys, limits, 1);
        }
        Decision denied = store().acquire(algorithm, keys, limits, 1);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfterMillis()).as("one token takes 100 ms").isBetween(1L, 100L);
        Thread.sleep(150);
        assertThat(store().acquire(algorithm, keys, limits, 1).allowed()).isTrue();
    }

    // Prefetch: reservations of several requests at once, and the return of unspent ones.

    /** Requests admitted one by one until the first denial (at most 1000). */
    private int admittedOneByOne(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost) {
        int admitted = 0;
        while (admitted < 1000 && store().acquire(algorithm, keys, limits, cost).allowed()) {
            admitted++;
        }
        return admitted;
    }

    /**
     * A token bucket counts a lease's tokens from the end of its hold (1 s): a full bucket forgoes that
     * second's refill, and counting whole tokens, a 10/1h bucket shows one token fewer until it has passed.
     */
    private static long forgone(Algorithm algorithm) {
        return algorithm == Algorithm.TOKEN_BUCKET ? 1 : 0;
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void reserves_what_every_limit_holds_then_denies(Algorithm algorithm) {
        List<String> keys = List.of(key("reserve"));
        List<Limit> limits = limits("10/1h");
        Reservation first = store().reserve(algorithm, keys, limits, 1, 4, 1_000);
        assertThat(first.units()).isEqualTo(4);
        assertThat(first.decision().allowed()).isTrue();
        assertThat(first.decision().remaining()).as("after all four").isEqualTo(6 - forgone(algorithm));
        assertThat(store().reserve(algorithm, keys, limits, 1, 4, 1_000).units()).isEqualTo(4);
        Reservation partial = store().reserve(algorithm, keys, limits, 1, 4, 1_000);
        assertThat(partial.units()).as("the last permits are not stranded").isEqualTo(2 - forgone(algorithm));
        assertThat(partial.decision().remaining()).isZero();
        Reservation none = store().reserve(algorithm, keys, limits, 1, 4, 1_000);
        assertThat(none.units()).isZero();
        assertThat(none.decision().allowed()).isFalse();
        // A sliding window logged the reserved permits a hold (1 s) ahead: they free a window after that.
        assertThat(none.decision().retryAfterMillis()).isBetween(1L, 3_601_000L);
        assertThat(store().acquire(algorithm, keys, limits, 1).allowed()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void reserves_whole_requests_of_every_limit(Algorithm algorithm) {
        String perHour = key("reserve-multi");
        List<String> keys = List.of(perHour, perHour.replace("}", "}:day"));
        Reservation r = store().reserve(algorithm, keys, limits("10/1h, 7/1d"), 3, 5, 1_000);
        assertThat(r.units()).as("7 permits hold two requests of cost 3").isEqualTo(2);
        assertThat(r.decision().limit()).isEqualTo(7);
        assertThat(r.decision().remaining()).isEqualTo(1 - forgone(algorithm));
        assertThat(store().acquire(algorithm, List.of(keys.get(0)), limits("10/1h"), 1).remaining())
                .as("the hourly limit counted 6 too").isEqualTo(3 - forgone(algorithm));
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void gives_back_unspent_permits_for_others_to_take(Algorithm algorithm) {
        List<String> keys = List.of(key("give-back"));
        List<Limit> limits = limits("10/1h");
        Reservation r = store().reserve(algorithm, keys, limits, 2, 4, 1_000);
        assertThat(r.units()).isEqualTo(4);
        store().giveBack(algorithm, keys, limits, 2, r, 3);
        assertThat(admittedOneByOne(algorithm, keys, limits, 1)).as("10 - 1 request of cost 2 spent")
                .isEqualTo(8 - forgone(algorithm));
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void never_gives_back_more_than_was_counted(Algorithm algorithm) {
        List<String> keys = List.of(key("give-back-twice"));
        List<Limit> limits = limits("10/1h");
        Reservation r = store().reserve(algorithm, keys, limits, 1, 4, 1_000);
        store().acquire(algorithm, keys, limits, 1);
        store().reset(keys);
        store().acquire(algorithm, keys, limits, 1);
        store().giveBack(algorithm, keys, limits, 1, r, 4);
        assertThat(admittedOneByOne(algorithm, keys, limits, 1)).as("at most the limit, whatever comes back").isLessThanOrEqualTo(10);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
    void gives_nothing_back_to_counters_reset_since_the_reservation(Algorithm algorithm) throws InterruptedException {
        List<String> keys = List.of(key("reset-since"));
        List<Limit> limits = limits("10/1h");
        Reservation r = store().reserve(algorithm, keys, limits, 1, 4, 1_000);
        assertThat(r.units()).isEqualTo(4);
        // An operator's reset comes later than the reservation's own millisecond (the new counter's end must differ).
        Thread.sleep(20);
        store().reset(keys);
        // Counted in the new counters, which never counted the reserved permits: nothing of them may come off.
        assertThat(store().acquire(algorithm, keys, limits, 1).allowed()).isTrue();
        store().giveBack(algorithm, keys, limits, 1, r, 4);
        assertThat(admittedOneByOne(algorithm, keys, limits, 1)).as("10 - the request counted after the reset")
                .isLessThanOrEqualTo(9);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "FIXED_WINDOW")
    void gives_nothing_back_to_a_later_window(Algorithm algorithm) throws InterruptedException {
        List<String> keys = List.of(key("later-window"));
        List<Limit> limits = limits("10/300ms");
        Reservation r = store().reserve(algorithm, keys, limits, 1, 5, 1_000);
        assertThat(r.holdMillis()).as("until the window ends").isBetween(1L, 300L);
        Thread.sleep(450);
        assertThat(store().acquire(algorithm, keys, limits, 1).remaining()).isEqualTo(9);
        store().giveBack(algorithm, keys, limits, 1, r, 5);
        assertThat(store().acquire(algorithm, keys, limits, 1).remaining()).isEqualTo(8);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "SLIDING_WINDOW")
    void counts_reserved_permits_until_a_window_after_their_hold(Algorithm algorithm) throws InterruptedException {
        List<String> keys = List.of(key("hold"));
        List<Limit> limits = limits("4/300ms");
        Reservation r = store().reserve(algorithm, keys, limits, 1, 4, 400);
        assertThat(r.units()).isEqualTo(4);
        Thread.sleep(450);
        // A permit spent at the end of its hold (400 ms) counts until 700 ms: still counted at 450 ms.
        assertThat(store().acquire(algorithm, keys, limits, 1).allowed()).isFalse();
        store().giveBack(algorithm, keys, limits, 1, r, 2);
        assertThat(admittedOneByOne(algorithm, keys, limits, 1)).isEqualTo(2);
    }

    /** A token every 100 ms, so that a hold of 1 s is 10 tokens: far more than the calls' own time refills. */
    private static final String TENTH_OF_A_SECOND = "100/10s";

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "TOKEN_BUCKET")
    void a_token_bucket_lease_counts_its_tokens_from_the_end_of_its_hold(Algorithm algorithm) {
        List<String> keys = List.of(key("lease-hold"));
        List<Limit> limits = limits(TENTH_OF_A_SECOND);
        long start = System.nanoTime();
        Reservation lease = store().reserve(algorithm, keys, limits, 1, 50, 1_000);
        assertThat(lease.units()).isEqualTo(50);
        assertThat(lease.holdMillis()).isEqualTo(1_000);
        // The lease may spend all 50 at the end of its hold: the bucket must not have refilled them by then.
        assertThat(lease.decision().resetAfterMillis()).as("full again 50 tokens after the hold's end")
                .isGreaterThanOrEqualTo(1_000 + 50 * 100);
        int others = admittedOneByOne(algorithm, keys, limits, 1);
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        // What that costs a full bucket: the hold's refill (10 tokens) is forgone; only the calls' own time refills.
        assertThat(others).isLessThanOrEqualTo(100 - 50 - 10 + (int) (elapsedMillis / 100));
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "TOKEN_BUCKET")
    void giving_a_lease_back_frees_no_token_a_later_lease_counts_on(Algorithm algorithm) throws InterruptedException {
        List<String> keys = List.of(key("lease-under-lease"));
        List<Limit> limits = limits(TENTH_OF_A_SECOND);
        Reservation first = store().reserve(algorithm, keys, limits, 1, 50, 1_000);
        assertThat(first.units()).isEqualTo(50);
        Thread.sleep(300);
        long laterSent = System.nanoTime();
        Reservation later = store().reserve(algorithm, keys, limits, 1, 50, 1_000);
        assertThat(later.units()).isPositive();
        store().giveBack(algorithm, keys, limits, 1, first, 50);
        Decision one = store().acquire(algorithm, keys, limits, 1);
        long sinceLaterMillis = (System.nanoTime() - laterSent) / 1_000_000;
        assertThat(one.allowed()).isTrue();
        // The later lease may spend all its tokens at the end of its hold, at most sinceLaterMillis before now + 1 s:
        // the bucket must then still lack them and this request's token (the first lease's came before it, 300 ms earlier).
        assertThat(one.resetAfterMillis() + sinceLaterMillis).as("full again after the later lease's hold and tokens")
                .isGreaterThanOrEqualTo(later.holdMillis() + (later.units() + 1) * 100);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = "TOKEN_BUCKET")
    void a_token_bucket_that_refills_within_the_hold_reserves_one_request_at_a_time(Algorithm algorithm) {
        List<String> keys = List.of(key("short-bucket"));
        List<Limit> limits = limits("10/1s");
        Reservation r = store().reserve(algorithm, keys, limits, 1, 5, 1_000);
        // Counted from the end of a 1 s hold, no token of a 1 s bucket would fit: a request is counted by itself.
        assertThat(r.units()).isEqualTo(1);
        assertThat(r.holdMillis()).isZero();
        assertThat(r.decision().allowed()).isTrue();
        assertThat(r.decision().remaining()).isEqualTo(9);
    }
}
