package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.testing.FakeRequest;

/** {@code prefetch}: what it accepts, what it refuses (naming itself), and what it keeps from other settings. */
class PrefetchConfigTest {

    private static Policy read(String... pairs) {
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            params.put(pairs[i], pairs[i + 1]);
        }
        return PolicyParams.read(new ConfigParams(params::get, params::keySet), "p");
    }

    @Test
    void is_one_by_default_and_then_the_limiter_keeps_no_leases() {
        Policy policy = read("limits", "100/1m");
        assertThat(policy.prefetch()).isEqualTo(1);
        assertThat(policy.describe()).doesNotContain("prefetch");
        assertThat(new RateLimiter(policy, new InMemoryStore(), null).prefetchLeases()).isNull();
    }

    @Test
    void reads_a_prefetch_for_every_rate_algorithm() {
        for (String algorithm : List.of("fixed-window", "token-bucket", "sliding-window")) {
            Policy policy = read("limits", "1000/1m", "algorithm", algorithm, "prefetch", "50");
            assertThat(policy.prefetch()).isEqualTo(50);
            assertThat(policy.prefetchUnits()).isEqualTo(50);
            assertThat(policy.describe()).contains("prefetch=50");
            assertThat(new RateLimiter(policy, new InMemoryStore(), null).prefetchLeases()).isNotNull();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "abc", "1.5", "10001", "99999999999999999999"})
    void refuses_a_bad_value_naming_prefetch(String value) {
        assertThatThrownBy(() -> read("limits", "100000/1m", "prefetch", value))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'prefetch'")
                .hasMessageContaining("'" + value + "'")
                .hasMessageContaining("10000");
    }

    @Test
    void refuses_more_than_the_smallest_limit_holds() {
        assertThatThrownBy(() -> read("limits", "1000/1h, 20/1s", "prefetch", "50"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'prefetch'")
                .hasMessageContaining("at most the smallest limit's permits divided by cost (here 20");
        assertThatThrownBy(() -> read("limits", "100/1m", "cost", "10", "prefetch", "20"))
                .hasMessageContaining("'prefetch'").hasMessageContaining("(here 10");
        assertThat(read("limits", "100/1m", "cost", "10", "prefetch", "10").prefetchUnits()).isEqualTo(10);
    }

    @Test
    void refuses_prefetch_with_concurrency_saying_why() {
        assertThatThrownBy(() -> read("limits", "5/30s", "algorithm", "concurrency", "prefetch", "2"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'prefetch'")
                .hasMessageContaining("'concurrency'")
                .hasMessageContaining("nothing to take in advance");
        assertThat(read("limits", "5/30s", "algorithm", "concurrency", "prefetch", "1").prefetch()).isEqualTo(1);
    }

    @Test
    void smaller_limits_of_a_plan_or_an_operator_shrink_a_reservation_instead_of_failing() {
        Policy policy = read("limits", "1000/1m", "prefetch", "50", "plan.free.limits", "10/1m");
        assertThat(policy.withLimits(Limit.parseAll("limits", "8/1m")).prefetchUnits()).isEqualTo(8);
        Policy free = policy.forPlanOf(new FakeRequest().attribute(Plans.ATTRIBUTE, "free"));
        assertThat(free.prefetch()).isEqualTo(50);
        assertThat(free.prefetchUnits()).isEqualTo(10);
    }
}
