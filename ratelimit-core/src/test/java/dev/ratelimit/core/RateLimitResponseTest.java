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
        assertThat(RateLimitResponse.status(later)).isEqualTo(429);
    }

    @Test
    void writes_the_documented_429_body() {
        Decision d = Decision.denied(10, 0, 1_000, 30_000, DecisionSource.MEMORY);
        assertThat(RateLimitResponse.body(d)).isEqualTo(
                "{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\",\"message\":\"Too many requests. Please try again later.\",\"retryAfter\":30}}");
    }

    @Test
    void answers_an_allowed_request_with_headers_only() {
        Answer answer = RateLimitResponse.answer(Decision.allowed(100, 42, 1_700_000_000_500L, DecisionSource.REDIS));
        assertThat(answer.refuses()).isFalse();
        assertThat(answer.status()).isZero();
        assertThat(answer.body()).isNull();
        assertThat(answer.headers()).containsOnlyKeys("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset");
    }

    @Test
    void answers_a_denial_with_status_headers_and_body() {
        Decision d = Decision.denied(10, 0, 1_000, 30_000, DecisionSource.REDIS);
        Answer answer = RateLimitResponse.answer(d);
        assertThat(answer.refuses()).isTrue();
        assertThat(answer.status()).isEqualTo(429);
        assertThat(answer.headers()).isEqualTo(RateLimitResponse.headers(d));
        assertThat(answer.body()).isEqualTo(RateLimitResponse.body(d));
    }

    @Test
    void lets_a_dry_run_denial_go_on_with_its_headers() {
        Decision d = Decision.denied(10, 0, 1_000, 30_000, DecisionSource.REDIS).asDryRun();
        Answer answer = RateLimitResponse.answer(d);
        assertThat(answer.refuses()).isFalse();
        assertThat(answer.headers()).containsEntry("Retry-After", "30").containsEntry("X-RateLimit-Remaining", "0");
    }

    @Test
    void answers_a_closed_bypass_with_the_closed_status_of_the_policy_that_decided() {
        Policy admin = Policy.builder("p").scope("admin").limits(Limit.parseAll("limits", "1/1h")).closedStatus(429).build();
        Decision closed = Decision.denied(0, 0, 1_000, 1_000, DecisionSource.BYPASS);
        assertThat(RateLimitResponse.answer(closed).status()).as("no policy: the default").isEqualTo(503);
        Answer answer = RateLimitResponse.answer(closed.decidedBy(admin));
        assertThat(answer.status()).isEqualTo(429);
        assertThat(answer.headers()).containsOnlyKeys("Retry-After");
        assertThat(answer.body()).contains("RATE_LIMITER_UNAVAILABLE");
    }

    @Test
    void writes_the_documented_webhook_refusals() {
        assertThat(RateLimitResponse.invalidSignature().status()).isEqualTo(401);
        assertThat(RateLimitResponse.invalidSignature().body()).isEqualTo(
                "{\"error\":{\"code\":\"INVALID_SIGNATURE\",\"message\":\"The webhook signature is missing or invalid.\"}}");
        assertThat(RateLimitResponse.replayedWebhook().status()).isEqualTo(409);
        assertThat(RateLimitResponse.replayedWebhook().body()).isEqualTo(
                "{\"error\":{\"code\":\"REPLAYED_WEBHOOK\",\"message\":\"This webhook was already received.\"}}");
        assertThat(RateLimitResponse.payloadTooLarge(512).status()).isEqualTo(413);
        assertThat(RateLimitResponse.payloadTooLarge(512).body()).isEqualTo(
                "{\"error\":{\"code\":\"PAYLOAD_TOO_LARGE\",\"message\":\"The webhook body is larger than 512 bytes.\"}}");
        Decision denial = Decision.denied(20, 0, 1_000, 2_500, DecisionSource.MEMORY);
        Answer tooMany = RateLimitResponse.tooManyBadSignatures(denial);
        assertThat(tooMany.status()).isEqualTo(429);
        assertThat(tooMany.headers()).containsExactly(org.assertj.core.api.Assertions.entry("Retry-After", "3"));
        assertThat(tooMany.body()).isEqualTo(RateLimitResponse.body(denial));
        assertThat(RateLimitResponse.invalidSignature().headers()).isEmpty();
    }
}
