package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ratelimit.core.app.ParameterNames;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.testing.FakeRequest;

/** plan.<name>.limits / .algorithm: chosen by the request attribute the application sets. */
class PlansTest {

    private static Policy policy(String... params) {
        Map<String, String> map = new HashMap<>();
        map.put("limits", "5/1m");
        for (int i = 0; i < params.length; i += 2) {
            map.put(params[i], params[i + 1]);
        }
        return PolicyParams.read(new ConfigParams(map::get, map::keySet), "api");
    }

    private static FakeRequest on(String plan) {
        FakeRequest request = new FakeRequest();
        return plan == null ? request : request.attribute(Plans.ATTRIBUTE, plan);
    }

    @Test
    void each_plan_has_its_limits_and_no_or_an_unknown_plan_gets_the_policys_own() {
        RateLimiter limiter = new RateLimiter(policy("plan.gold.limits", "8/1m", "plan.free.limits", "2/1m"),
                new InMemoryStore(), null);
        assertThat(admitted(limiter, "gold", "203.0.113.1")).isEqualTo(8);
        assertThat(admitted(limiter, "free", "203.0.113.2")).isEqualTo(2);
        assertThat(admitted(limiter, null, "203.0.113.3")).isEqualTo(5);
        assertThat(admitted(limiter, "platinum", "203.0.113.4")).isEqualTo(5);
    }

    @Test
    void the_headers_show_the_plans_limit() {
        RateLimiter limiter = new RateLimiter(policy("plan.gold.limits", "8/1m"), new InMemoryStore(), null);
        Decision d = limiter.acquire(on("gold"));
        assertThat(RateLimitResponse.headers(d)).containsEntry("X-RateLimit-Limit", "8").containsEntry("X-RateLimit-Remaining", "7");
    }

    @Test
    void a_plan_may_have_its_own_algorithm_and_counts_under_its_own_keys_then() {
        Policy p = policy("plan.burst.limits", "3/1m", "plan.burst.algorithm", "token-bucket");
        Policy burst = p.forPlanOf(on("burst"));
        assertThat(burst.algorithm()).isEqualTo(Algorithm.TOKEN_BUCKET);
        assertThat(burst.keyLayout().keysFor(on("burst"))).doesNotContainAnyElementsOf(p.keyLayout().keysFor(on(null)));
    }

    @Test
    void plans_with_the_same_window_and_algorithm_share_the_identitys_counter() {
        Policy p = policy("plan.gold.limits", "8/1m");
        assertThat(p.forPlanOf(on("gold")).keyLayout().keysFor(on("gold"))).isEqualTo(p.keyLayout().keysFor(on(null)));
    }

    @Test
    void a_policy_override_changes_the_policys_own_limits_and_keeps_the_plans() {
        RateLimiter limiter = new RateLimiter(policy("plan.gold.limits", "8/1m"), new InMemoryStore(), null);
        limiter.updateLimits("1/1m");
        assertThat(admitted(limiter, null, "203.0.113.5")).isEqualTo(1);
        assertThat(admitted(limiter, "gold", "203.0.113.6")).isEqualTo(8);
    }

    @Test
    void an_unknown_plan_is_logged_once_per_name_and_at_most_for_a_bounded_number_of_names() {
        Logger log = (Logger) LoggerFactory.getLogger(Plans.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try {
            Policy p = policy("plan.gold.limits", "8/1m");
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < Plans.MAX_WARNED_NAMES + 50; i++) {
                    p.forPlanOf(on("p" + i + "\nx"));
                }
            }
        } finally {
            log.detachAppender(lines);
        }
        assertThat(lines.list).hasSize(Plans.MAX_WARNED_NAMES + 1);
        assertThat(lines.list.get(0).getFormattedMessage()).contains("no plan 'p0%0Ax'");
        assertThat(lines.list.get(Plans.MAX_WARNED_NAMES).getFormattedMessage()).contains("no more are logged");
    }

    @Test
    void plan_parameters_are_known_with_a_valid_name_and_refused_otherwise() {
        ParameterNames.checkAll(java.util.Arrays.asList("limits", "plan.gold.limits", "plan.free-tier_2.algorithm"), "filter 'f'");
        assertThatThrownBy(() -> ParameterNames.checkAll(java.util.Collections.singleton("plan.gold.limit"), "filter 'f'"))
                .hasMessageContaining("Unknown parameter 'plan.gold.limit'").hasMessageContaining("plan.<name>.limits");
        assertThatThrownBy(() -> ParameterNames.checkAll(java.util.Collections.singleton("plan.go ld.limits"), "filter 'f'"))
                .hasMessageContaining("plan.<name>.limits");
        ParameterNames.checkContextParams(java.util.Arrays.asList("ratelimit.plan.gold.limits",
                "ratelimit.policy.search.plan.gold.limits", "ratelimit.policy.search.limits"));
        assertThatThrownBy(() -> ParameterNames.checkContextParams(java.util.Collections.singleton("ratelimit.policy.search.plan.gold.limitz")))
                .hasMessageContaining("plan.<name>.limits");
    }

    @Test
    void bad_plans_name_the_plan_parameter() {
        assertThatThrownBy(() -> policy("plan.gold.limits", "lots")).hasMessageContaining("'plan.gold.limits'");
        assertThatThrownBy(() -> policy("plan.gold.algorithm", "token-bucket")).hasMessageContaining("'plan.gold.limits'");
        assertThatThrownBy(() -> policy("plan.gold.limits", "5/1m", "plan.gold.algorithm", "concurrency"))
                .hasMessageContaining("'plan.gold.algorithm'");
        assertThatThrownBy(() -> policy("algorithm", "concurrency", "limits", "5/30s", "plan.gold.limits", "9/30s"))
                .hasMessageContaining("no plans with algorithm 'concurrency'");
        assertThatThrownBy(() -> policy("cost", "3", "plan.gold.limits", "2/1m")).hasMessageContaining("'plan.gold.limits'")
                .hasMessageContaining("cost");
    }

    private static int admitted(RateLimiter limiter, String plan, String address) {
        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            if (limiter.acquire(on(plan).address(address)).allowed()) {
                admitted++;
            }
        }
        return admitted;
    }
}
