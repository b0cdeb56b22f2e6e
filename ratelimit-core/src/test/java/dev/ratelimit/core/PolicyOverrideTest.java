package dev.ratelimit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Collections;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.memory.InMemoryStore;

class PolicyOverrideTest {

    private static Policy policy(String limits, boolean dryRun) {
        return Policy.builder("api").limits(Limit.parseAll(PolicyParams.LIMITS, limits)).dryRun(dryRun).build();
    }

    @Test
    void a_reloaded_policy_the_override_does_not_fit_applies_without_it_instead_of_failing_halfway() {
        // Found by review: the exception left a policy file applied to the policies before this one only.
        RateLimiter limiter = new RateLimiter(policy("5/1m", false), new InMemoryStore(), null);
        limiter.updateLimits("10/1m");
        Policy reloaded = Policy.builder("api").limits(Limit.parseAll(PolicyParams.LIMITS, "100/1m")).cost(20).build();
        limiter.reconfigure(reloaded);
        assertEquals("[100/1m]", limiter.policy().limits().toString());
        assertEquals(20, limiter.policy().cost());
        assertEquals("limits=10/1m", limiter.currentOverride().toString(), "kept, for when it fits again or is cleared");
    }

    @Test
    void an_override_survives_a_new_configuration_and_clearing_it_restores_the_configured_policy() {
        RateLimiter limiter = new RateLimiter(policy("5/1m", false), new InMemoryStore(), null);
        limiter.updateLimits("2/1m");
        limiter.reconfigure(policy("7/1m", true));
        assertEquals("[2/1m]", limiter.policy().limits().toString());
        assertEquals(true, limiter.policy().dryRun());
        assertEquals("limits=2/1m", limiter.currentOverride().toString());

        limiter.override(PolicyOverride.NONE);
        assertEquals(Collections.singletonList(Limit.parseAll(PolicyParams.LIMITS, "7/1m").get(0)), limiter.policy().limits());
        assertEquals(policy("7/1m", true).limits(), limiter.configuredPolicy().limits());
    }
}
