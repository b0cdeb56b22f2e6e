package dev.ratelimit.core.management;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.Limit;
import dev.ratelimit.core.Policy;
import dev.ratelimit.core.RateLimiter;
import dev.ratelimit.core.memory.InMemoryStore;
import dev.ratelimit.core.redis.RedisClients;

class RateLimitControlOverridesTest {

    private final RateLimitControl control = new RateLimitControl(new RedisClients());

    private RateLimiter limiter(String name, String limits) {
        RateLimiter limiter = new RateLimiter(Policy.builder(name).limits(Limit.parseAll("limits", limits)).build(),
                new InMemoryStore(), null);
        control.register(limiter);
        return limiter;
    }

    @Test
    void lists_only_changed_policies_with_the_change_and_what_was_configured() {
        limiter("api", "100/1m");
        limiter("search", "5/1s");
        assertThat(control.getOverrides()).isEmpty();

        control.setLimits("api", "200/1m");
        control.setDryRun("api", true);
        assertThat(control.getOverrides())
                .containsExactly("api: limits=200/1m dry-run=true (configured limits=[100/1m] dry-run=false)");
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
