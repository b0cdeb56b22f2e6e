package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimitResponseTest {

    @Test
    void writes_limit_headers_on_an_allowed_request() {
        Decision d = Decision.allowed(100, 42, 1_700_000_000_500L, DecisionSource.REDIS);
        assertThat(RateLimitResponse.headers(d)).containsExactly(
                org.assertj.core.api.Assertions.entry("X-RateLimit-Limit", "100"),
                org.assertj.core.api.Assertions.entry("X-RateLimit-Remaining", "42"),
                org.assertj.core.api.Assertions.entry("X-RateLimit-Reset", "1700000001"));
    }

    @Test
    void adds_retry_after_in_whole_seconds_of_at_least_one_on_denial() {
        Decision soon = Decision.denied(10, 0, 1_000, 200, DecisionSource.REDIS);
        assertThat(RateLimitResponse.headers(soon)).containsEntry("Retry-After", "1");
        Decision later = Decision.denied(10, 0, 1_000, 2_001, DecisionSource.REDIS);
        assertThat(RateLimitResponse.headers(later)).containsEntry("Retry-After", "3");
        Policy policy = Policy.builder("p").limits(Limit.parseAll("limits", "1/1s")).build();
        assertThat(RateLimitResponse.status(later, policy)).isEqualTo(429);
    }

    @Test
    void writes_the_documented_429_body() {
        Decision d = Decision.denied(10, 0, 1_000, 30_000, DecisionSource.MEMORY);
        assertThat(RateLimitResponse.body(d)).isEqualTo(
                "{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\",\"message\":\"Too many requests. Please try again later.\",\"retryAfter\":30}}");
    }
}
