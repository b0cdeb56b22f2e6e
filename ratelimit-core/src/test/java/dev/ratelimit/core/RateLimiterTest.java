package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ratelimit.core.memory.InMemoryStore;

/** Failure modes, with a store that always fails (a pure unit test: no Redis involved). */
class RateLimiterTest {

    private static final RateLimitStore DOWN = new RateLimitStore() {
        @Override
        public Decision acquire(Algorithm algorithm, List<String> keys, List<Limit> limits, long cost) {
            throw new StoreUnavailableException("down", null);
        }

        @Override
        public void reset(List<String> keys) {
        }

        @Override
        public StoreHealth health() {
            return new StoreHealth(false, 0, "none", "down");
        }

        @Override
        public String describe() {
            return "down";
        }

        @Override
        public void close() {
        }
    };

    private static RateLimiter limiter(String scope, FailureMode mode, boolean dryRun) {
        Policy policy = Policy.builder("p").scope(scope).limits(Limit.parseAll("limits", "1/1h"))
                .failureMode(mode).dryRun(dryRun).build();
        return new RateLimiter(policy, DOWN, new InMemoryStore());
    }

    @Test
    void fails_open_by_allowing_without_numbers() {
        Decision d = limiter("api", null, false).acquire(new RateLimitKeysTest.FakeRequest());
        assertThat(d.allowed()).isTrue();
        assertThat(d.source()).isEqualTo(DecisionSource.BYPASS);
        assertThat(RateLimitResponse.headers(d)).isEmpty();
    }

    @Test
    void fails_closed_with_503_for_webhooks() {
        RateLimiter limiter = limiter("webhook", null, false);
        Decision d = limiter.acquire(new RateLimitKeysTest.FakeRequest());
        assertThat(d.blocks()).isTrue();
        assertThat(RateLimitResponse.status(d, limiter.policy())).isEqualTo(503);
        assertThat(RateLimitResponse.headers(d)).containsOnlyKeys("Retry-After");
        assertThat(RateLimitResponse.body(d)).contains("\"code\":\"RATE_LIMITER_UNAVAILABLE\"");
    }

    @Test
    void answers_closed_denials_with_the_configured_status() {
        Policy policy = Policy.builder("p").scope("admin").limits(Limit.parseAll("limits", "1/1h")).closedStatus(429).build();
        Decision d = new RateLimiter(policy, DOWN, null).acquire(new RateLimitKeysTest.FakeRequest());
        assertThat(RateLimitResponse.status(d, policy)).isEqualTo(429);
        assertThat(RateLimitResponse.body(d)).contains("RATE_LIMITER_UNAVAILABLE");
    }

    @Test
    void falls_back_to_memory_in_local_mode() {
        RateLimiter limiter = limiter("api", FailureMode.LOCAL, false);
        Decision first = limiter.acquire(new RateLimitKeysTest.FakeRequest());
        Decision second = limiter.acquire(new RateLimitKeysTest.FakeRequest());
        assertThat(first.source()).isEqualTo(DecisionSource.MEMORY);
        assertThat(first.allowed()).isTrue();
        assertThat(second.allowed()).isFalse();
    }

    @Test
    void dry_run_reports_a_denial_but_never_blocks() {
        RateLimiter limiter = limiter("api", FailureMode.LOCAL, true);
        limiter.acquire(new RateLimitKeysTest.FakeRequest());
        Decision d = limiter.acquire(new RateLimitKeysTest.FakeRequest());
        assertThat(d.allowed()).isFalse();
        assertThat(d.blocks()).isFalse();
    }
}
