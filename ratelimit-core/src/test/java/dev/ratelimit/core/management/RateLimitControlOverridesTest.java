package dev.ratelimit.core.management;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.AuditLog;
import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.live.LiveOverrides;
import dev.ratelimit.core.live.LocalOverrideStore;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.redis.RedisClients;

class RateLimitControlOverridesTest {

    private final RateLimitControl control = new RateLimitControl(new RedisClients());
    private final LiveOverrides live = new LiveOverrides(new LocalOverrideStore(), new AuditLog(100), "test");

    private RateLimiter limiter(String name, String limits) {
        RateLimiter limiter = new RateLimiter(Policy.builder(name).limits(Limit.parseAll("limits", limits)).build(),
                new InMemoryStore(), null);
        live.register(limiter);
        control.register(limiter, live);
        return limiter;
    }

    @Test
    void lists_only_changed_policies_with_the_change_and_what_was_configured() {
        limiter("api", "100/1m");
        limiter("search", "5/1s");
        assertThat(control.getOverrides()).isEmpty();

        control.setLimits("api", "200/1m");
        control.setDryRun("api", true);
        assertThat(control.getOverrides()).containsExactly(
                "api: limits=200/1m dry-run=true (configured limits=[100/1m] dry-run=false) (this instance only)");
    }

    @Test
    void lists_identity_limits_and_blocks_after_the_policy_overrides_in_one_attribute() {
        limiter("api", "100/1m");
        limiter("search", "5/1s");
        control.setIdentityLimits("search", "ip=203.0.113.9", "50/1s");
        control.blockIdentity("api", "ip=203.0.113.7", "10m");
        control.setLimits("api", "200/1m");

        assertThat(control.getOverrides()).hasSize(3);
        assertThat(control.getOverrides()[0])
                .isEqualTo("api: limits=200/1m (configured limits=[100/1m] dry-run=false) (this instance only)");
        assertThat(control.getOverrides()[1]).isEqualTo("search: identity=ip=203.0.113.9 limits=50/1s (this instance only)");
        assertThat(control.getOverrides()[2])
                .matches("api: identity=ip=203\\.0\\.113\\.7 blocked-until=\\d{4}-\\d\\d-\\d\\dT\\S+Z \\(this instance only\\)");

        control.unblockIdentity("api", "ip=203.0.113.7");
        control.clearIdentityLimits("search", "ip=203.0.113.9");
        control.clearLimits("api");
        assertThat(control.getOverrides()).isEmpty();
    }

    @Test
    void lists_the_registered_limiters_in_order() {
        RateLimiter a = limiter("a", "1/1s");
        RateLimiter b = limiter("b", "1/1s");
        assertThat(control.limiters()).containsExactly(a, b);
        control.unregister(a);
        assertThat(control.limiters()).containsExactly(b);
    }
}
