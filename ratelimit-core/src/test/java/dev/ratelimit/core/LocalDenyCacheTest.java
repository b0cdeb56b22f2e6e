package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LocalDenyCacheTest {

    private static final Policy POLICY = Policy.builder("p").limits(Limit.parseAll("limits", "10/1m")).build();

    private final LocalDenyCache cache = new LocalDenyCache();

    @Test
    void denies_until_the_retry_after_measured_from_when_the_call_was_sent() {
        Decision denial = Decision.denied(10, 0, 5_000, 2_000, DecisionSource.REDIS);
        cache.put("k", denial, 1_000_000_000L, POLICY);
        Decision again = cache.get("k", 1_500_000_000L, POLICY);
        assertThat(again.allowed()).isFalse();
        assertThat(again.retryAfterMillis()).isEqualTo(1_500);
        assertThat(again.limit()).isEqualTo(10);
        assertThat(cache.get("k", 3_000_000_000L, POLICY)).as("expired exactly at sent + retry-after").isNull();
        assertThat(cache.size()).isZero();
    }

    @Test
    void denials_it_answers_count_for_their_identity_in_batches_and_all_of_them_by_a_read() {
        RecentHeavyHitters denied = new RecentHeavyHitters();
        LocalDenyCache counting = new LocalDenyCache(denied);
        String key = "ratelimit:p:p:*:*:*:{ip=198.51.100.9}:fw:60000";
        long sent = 1_000_000_000L;
        counting.put(key, Decision.denied(10, 0, 5_000, 60_000, DecisionSource.REDIS), sent, POLICY);
        int answered = 3 * LocalDenyCache.REPORT_EVERY + 5;
        for (int i = 0; i < answered; i++) {
            assertThat(counting.get(key, sent + i, POLICY, true)).isNotNull();
        }
        assertThat(counting.get(key, sent, POLICY)).as("not counted: a look without a denial").isNotNull();
        assertThat(denied.summary().total()).as("counted so far: whole batches, one lock each")
                .isEqualTo(3L * LocalDenyCache.REPORT_EVERY);
        counting.reportPending();
        assertThat(denied.summary().top(10)).extracting(RecentHeavyHitters.Estimate::toString)
                .containsExactly("ip=198.51.100.9=" + answered);
    }

    @Test
    void denials_waiting_to_be_counted_are_counted_within_a_second_when_evicted_and_when_expired() {
        RecentHeavyHitters denied = new RecentHeavyHitters();
        LocalDenyCache counting = new LocalDenyCache(denied);
        long sent = 1_000_000_000L;
        counting.put("a:{ip=192.0.2.1}:x", Decision.denied(10, 0, 5_000, 10_000, DecisionSource.REDIS), sent, POLICY);
        counting.put("a:{ip=192.0.2.2}:x", Decision.denied(10, 0, 5_000, 2_000, DecisionSource.REDIS), sent, POLICY);
        counting.get("a:{ip=192.0.2.1}:x", sent + 1, POLICY, true);
        counting.get("a:{ip=192.0.2.1}:x", sent + LocalDenyCache.REPORT_AFTER_NANOS, POLICY, true);
        assertThat(denied.summary().total()).as("a second after the last report").isEqualTo(2);
        counting.get("a:{ip=192.0.2.2}:x", sent + 1, POLICY, true);
        assertThat(counting.get("a:{ip=192.0.2.2}:x", sent + 3_000_000_000L, POLICY, true)).as("expired").isNull();
        assertThat(denied.summary().total()).as("the expired entry's denial is counted").isEqualTo(3);
    }

    @Test
    void denials_waiting_to_be_counted_are_counted_when_their_entry_is_removed_or_replaced() {
        RecentHeavyHitters denied = new RecentHeavyHitters();
        LocalDenyCache counting = new LocalDenyCache(denied);
        long sent = 1_000_000_000L;
        counting.put("a:{ip=192.0.2.1}:x", Decision.denied(10, 0, 5_000, 10_000, DecisionSource.REDIS), sent, POLICY);
        counting.put("a:{ip=192.0.2.2}:x", Decision.denied(10, 0, 5_000, 10_000, DecisionSource.REDIS), sent, POLICY);
        counting.get("a:{ip=192.0.2.1}:x", sent + 1, POLICY, true);
        counting.get("a:{ip=192.0.2.2}:x", sent + 1, POLICY, true);
        counting.remove("a:{ip=192.0.2.1}:x");
        counting.put("a:{ip=192.0.2.2}:x", Decision.denied(10, 0, 5_000, 10_000, DecisionSource.REDIS), sent + 2, POLICY);
        // Neither entry is read any more: a reset and a newer denial must not lose what they had answered.
        assertThat(denied.summary().total()).isEqualTo(2);
    }

    @Test
    void stays_bounded() {
        long now = System.nanoTime();
        for (int i = 0; i < LocalDenyCache.MAX_ENTRIES + 500; i++) {
            cache.put("k" + i, Decision.denied(1, 0, 0, 60_000, DecisionSource.REDIS), now, POLICY);
        }
        assertThat(cache.size()).isEqualTo(LocalDenyCache.MAX_ENTRIES);
    }

    @Test
    void keeps_the_newest_denials_when_full() {
        long now = System.nanoTime();
        int total = 3 * LocalDenyCache.MAX_ENTRIES;
        for (int i = 0; i < total; i++) {
            cache.put("k" + i, Decision.denied(1, 0, 0, 60_000, DecisionSource.REDIS), now, POLICY);
            assertThat(cache.size()).isLessThanOrEqualTo(LocalDenyCache.MAX_ENTRIES);
        }
        // Evicting a live denial only costs one Redis call; forgetting the newest would keep a flood's
        // latest identities off the cache for the whole window.
        for (int i = total - LocalDenyCache.MAX_ENTRIES; i < total; i++) {
            assertThat(cache.get("k" + i, now, POLICY)).as("denial %d", i).isNotNull();
        }
        assertThat(cache.get("k0", now, POLICY)).as("the oldest went first").isNull();
    }

    @Test
    void stays_bounded_when_the_same_keys_are_denied_again() {
        long now = System.nanoTime();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < LocalDenyCache.MAX_ENTRIES; i++) {
                cache.put("k" + (i % 100), Decision.denied(1, 0, 0, 60_000, DecisionSource.REDIS), now, POLICY);
            }
        }
        assertThat(cache.size()).isEqualTo(100);
        for (int i = 0; i < 100; i++) {
            assertThat(cache.get("k" + i, now, POLICY)).isNotNull();
        }
    }

    @Test
    void a_denial_is_seen_only_under_the_policy_it_was_decided_under() {
        Policy raised = POLICY.withLimits(Limit.parseAll("limits", "20/1m"));
        cache.put("k", Decision.denied(10, 0, 0, 60_000, DecisionSource.REDIS), 0, POLICY);
        assertThat(cache.get("k", 1_000, raised)).as("under the raised limits").isNull();
        assertThat(cache.get("k", 1_000, POLICY)).as("under its own policy").isNotNull();
    }
}
