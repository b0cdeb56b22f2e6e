package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.ratelimit.testing.StructuredFields;
import dev.ratelimit.testing.StructuredFields.Item;

/** The {@code headers} and {@code error-format} parameters: what each format writes, parsed as its standard says. */
class ResponseFormatsTest {

    private static Policy policy(String name, String limits, String headers, String errorFormat) {
        Map<String, String> params = new HashMap<>();
        params.put("limits", limits);
        params.put("headers", headers);
        params.put("error-format", errorFormat);
        return PolicyParams.read(new ConfigParams(params::get), name);
    }

    private static JsonObject json(String body) {
        return JsonParser.parseString(body).getAsJsonObject();
    }

    @Test
    void ietf_names_every_limit_in_ratelimit_policy_and_the_binding_one_in_ratelimit() {
        Policy policy = policy("api", "10/1s, 1000/1h", "ietf", "json");
        Decision d = Decision.allowed(1000, 7, 1_700_000_000_000L, DecisionSource.REDIS).boundBy(1, 1_234_001)
                .decidedBy(policy);
        Map<String, String> headers = RateLimitResponse.headers(d);
        assertThat(headers).containsOnlyKeys("RateLimit-Policy", "RateLimit");

        List<Item> quota = StructuredFields.parseItemList(headers.get("RateLimit-Policy"));
        assertThat(quota).hasSize(2);
        assertThat(quota.get(0).value()).isEqualTo("api/1s");
        assertThat(quota.get(0).params()).containsExactly(Map.entry("q", 10L), Map.entry("w", 1L));
        assertThat(quota.get(1).value()).isEqualTo("api/1h");
        assertThat(quota.get(1).params()).containsExactly(Map.entry("q", 1000L), Map.entry("w", 3600L));

        List<Item> limit = StructuredFields.parseItemList(headers.get("RateLimit"));
        assertThat(limit).hasSize(1);
        assertThat(limit.get(0).value()).isEqualTo("api/1h");
        assertThat(limit.get(0).params()).containsExactly(Map.entry("r", 7L), Map.entry("t", 1235L));
    }

    @Test
    void a_policy_of_one_limit_is_named_by_the_policy_name_alone_and_a_sub_second_window_has_no_w() {
        Policy policy = policy("burst", "5/500ms", "ietf", "json");
        Decision d = Decision.allowed(5, 4, 0, DecisionSource.MEMORY).boundBy(0, 499).decidedBy(policy);
        Map<String, String> headers = RateLimitResponse.headers(d);
        Item quota = StructuredFields.parseItem(headers.get("RateLimit-Policy"));
        assertThat(quota.value()).isEqualTo("burst");
        assertThat(quota.params()).containsExactly(Map.entry("q", 5L));
        Item limit = StructuredFields.parseItem(headers.get("RateLimit"));
        assertThat(limit.params()).containsExactly(Map.entry("r", 4L), Map.entry("t", 1L));
    }

    @Test
    void a_denial_reports_t_equal_to_retry_after() {
        Policy policy = policy("api", "10/1m", "ietf", "json");
        Decision d = Decision.denied(10, 0, 0, 12_300, DecisionSource.REDIS).boundBy(0, 12_300).decidedBy(policy);
        Answer answer = RateLimitResponse.answer(d);
        assertThat(answer.status()).isEqualTo(429);
        Item limit = StructuredFields.parseItem(answer.headers().get("RateLimit"));
        assertThat(limit.param("r")).isEqualTo(0L);
        assertThat(limit.param("t")).isEqualTo(13L);
        assertThat(StructuredFields.parseItem(answer.headers().get("Retry-After")).value()).isEqualTo(13L);
    }

    @Test
    void both_writes_legacy_and_ietf_fields_and_none_writes_only_retry_after() {
        Decision allowed = Decision.allowed(10, 3, 60_000, DecisionSource.REDIS).boundBy(0, 30_000);
        assertThat(RateLimitResponse.headers(allowed.decidedBy(policy("p", "10/1m", "both", "json")))).containsOnlyKeys(
                "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit-Policy", "RateLimit");
        assertThat(RateLimitResponse.headers(allowed.decidedBy(policy("p", "10/1m", "legacy", "json")))).containsOnlyKeys(
                "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset");
        assertThat(RateLimitResponse.headers(allowed.decidedBy(policy("p", "10/1m", "none", "json")))).isEmpty();
        Decision denied = Decision.denied(10, 0, 60_000, 5_000, DecisionSource.REDIS).boundBy(0, 5_000);
        assertThat(RateLimitResponse.headers(denied.decidedBy(policy("p", "10/1m", "none", "json"))))
                .containsOnlyKeys("Retry-After");
    }

    @Test
    void a_bypass_has_no_rate_limit_fields_in_any_format() {
        Decision closed = Decision.denied(0, 0, 1_000, 1_000, DecisionSource.BYPASS).decidedBy(policy("p", "1/1s", "both", "json"));
        assertThat(RateLimitResponse.headers(closed)).containsOnlyKeys("Retry-After");
    }

    @Test
    void policy_names_are_valid_sf_strings_whatever_they_hold() {
        String[] names = {"quote\"d", "back\\slash", "caf\u00e9 \u4e2d", "100%", "tab\there", "\ud83d\ude00 emoji"};
        for (String name : names) {
            Policy policy = policy(name, "10/1m", "ietf", "json");
            Decision d = Decision.allowed(10, 9, 0, DecisionSource.REDIS).boundBy(0, 60_000).decidedBy(policy);
            Map<String, String> headers = RateLimitResponse.headers(d);
            for (String field : new String[] {"RateLimit-Policy", "RateLimit"}) {
                Object parsed = StructuredFields.parseItem(headers.get(field)).value();
                assertThat(parsed).as(field).isInstanceOf(String.class);
                assertThat(URLDecoder.decode(((String) parsed).replace("+", "%2B"), StandardCharsets.UTF_8))
                        .as("the name recovered from %s", headers.get(field)).isEqualTo(name);
            }
        }
    }

    @Test
    void concurrency_counts_concurrent_requests_without_a_window() {
        Map<String, String> params = new HashMap<>();
        params.put("limits", "5/30s");
        params.put("algorithm", "concurrency");
        params.put("headers", "ietf");
        params.put("error-format", "problem");
        Policy policy = PolicyParams.read(new ConfigParams(params::get), "uploads");
        Answer granted = RateLimitResponse.answer(PermitDecision.granted(5, 3, DecisionSource.REDIS), policy);
        Item quota = StructuredFields.parseItem(granted.headers().get("RateLimit-Policy"));
        assertThat(quota.value()).isEqualTo("uploads");
        assertThat(quota.params()).containsExactly(Map.entry("q", 5L), Map.entry("qu", "concurrent-requests"));
        Item limit = StructuredFields.parseItem(granted.headers().get("RateLimit"));
        assertThat(limit.params()).containsExactly(Map.entry("r", 3L));
        assertThat(granted.headers()).doesNotContainKey("X-RateLimit-Limit");

        Answer denied = RateLimitResponse.answer(PermitDecision.denied(5, DecisionSource.REDIS), policy);
        assertThat(denied.contentType()).isEqualTo("application/problem+json");
        JsonObject problem = json(denied.body());
        assertThat(problem.get("type").getAsString()).isEqualTo("https://ratelimit.dev/problems/concurrency-limit-exceeded");
        assertThat(problem.get("status").getAsInt()).isEqualTo(429);
        assertThat(problem.get("retryAfter").getAsLong()).isEqualTo(1);
        assertThat(problem.get("policy").getAsString()).isEqualTo("uploads");
        assertThat(denied.headers()).containsEntry("Retry-After", "1");
    }

    @Test
    void problem_details_for_every_error_code() {
        Policy policy = policy("hooks \"main\"", "10/1m", "legacy", "problem");
        Decision denial = Decision.denied(10, 0, 0, 4_200, DecisionSource.REDIS).boundBy(0, 4_200).decidedBy(policy);
        Decision closed = Decision.denied(0, 0, 0, 1_000, DecisionSource.BYPASS).decidedBy(policy);
        Policy badSignatures = policy("hooks-bad-signature", "20/1m", "legacy", "json");
        Decision tooManyBad = Decision.denied(20, 0, 0, 2_500, DecisionSource.MEMORY).decidedBy(badSignatures);
        Policy concurrency = Policy.builder("c").algorithm(Algorithm.CONCURRENCY).limits(Limit.parseAll("limits", "1/30s"))
                .errorFormat(ErrorFormat.PROBLEM).build();

        check(RateLimitResponse.answer(denial), ErrorCode.RATE_LIMIT_EXCEEDED, 429, 5L, "hooks \"main\"");
        check(RateLimitResponse.answer(closed), ErrorCode.RATE_LIMITER_UNAVAILABLE, 503, 1L, "hooks \"main\"");
        check(RateLimitResponse.answer(PermitDecision.denied(1, DecisionSource.MEMORY), concurrency),
                ErrorCode.CONCURRENCY_LIMIT_EXCEEDED, 429, 1L, "c");
        check(RateLimitResponse.invalidSignature(policy), ErrorCode.INVALID_SIGNATURE, 401, null, "hooks \"main\"");
        check(RateLimitResponse.replayedWebhook(policy), ErrorCode.REPLAYED_WEBHOOK, 409, null, "hooks \"main\"");
        check(RateLimitResponse.payloadTooLarge(512, policy), ErrorCode.PAYLOAD_TOO_LARGE, 413, null, "hooks \"main\"");
        check(RateLimitResponse.accessDenied(policy), ErrorCode.ACCESS_DENIED, 403, null, "hooks \"main\"");
        check(RateLimitResponse.tooManyBadSignatures(tooManyBad, policy), ErrorCode.RATE_LIMIT_EXCEEDED, 429, 3L,
                "hooks-bad-signature");
        assertThat(json(RateLimitResponse.payloadTooLarge(512, policy).body()).get("detail").getAsString())
                .isEqualTo("The webhook body is larger than 512 bytes.");
    }

    private static void check(Answer answer, ErrorCode code, int status, Long retryAfter, String policyName) {
        assertThat(answer.refuses()).isTrue();
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.contentType()).isEqualTo(RateLimitResponse.PROBLEM_CONTENT_TYPE);
        JsonObject problem = json(answer.body());
        assertThat(problem.get("type").getAsString()).isEqualTo(code.problemType())
                .startsWith("https://ratelimit.dev/problems/");
        assertThat(problem.get("title").getAsString()).isEqualTo(code.title());
        assertThat(problem.get("status").getAsInt()).isEqualTo(status);
        assertThat(problem.get("detail").getAsString()).isNotBlank();
        assertThat(problem.get("code").getAsString()).isEqualTo(code.name());
        if (retryAfter == null) {
            assertThat(problem.has("retryAfter")).as("retryAfter in %s", answer.body()).isFalse();
        } else {
            assertThat(problem.get("retryAfter").getAsLong()).isEqualTo(retryAfter);
            assertThat(answer.headers()).containsEntry("Retry-After", retryAfter.toString());
        }
        assertThat(problem.get("policy").getAsString()).isEqualTo(policyName);
    }

    @Test
    void problem_type_uris_are_distinct_per_code() {
        assertThat(java.util.Arrays.stream(ErrorCode.values()).map(ErrorCode::problemType).distinct().count())
                .isEqualTo(ErrorCode.values().length);
        assertThat(ErrorCode.RATE_LIMITER_UNAVAILABLE.problemType())
                .isEqualTo("https://ratelimit.dev/problems/rate-limiter-unavailable");
    }

    @Test
    void the_json_format_stays_as_it_was() {
        Policy policy = policy("p", "10/1m", "legacy", "json");
        Answer answer = RateLimitResponse.answer(Decision.denied(10, 0, 1_000, 30_000, DecisionSource.MEMORY).decidedBy(policy));
        assertThat(answer.contentType()).isEqualTo("application/json");
        assertThat(answer.body()).isEqualTo("{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\","
                + "\"message\":\"Too many requests. Please try again later.\",\"retryAfter\":30}}");
        assertThat(RateLimitResponse.accessDenied().body()).isEqualTo("{\"error\":{\"code\":\"ACCESS_DENIED\",\"message\":\"Access denied.\"}}");
    }

    @Test
    void unknown_formats_fail_naming_the_parameter_and_what_is_accepted() {
        assertThatThrownBy(() -> policy("p", "1/1s", "rfc", "json"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'headers'").hasMessageContaining("'rfc'")
                .hasMessageContaining("'legacy'").hasMessageContaining("'ietf'").hasMessageContaining("'both'")
                .hasMessageContaining("'none'");
        assertThatThrownBy(() -> policy("p", "1/1s", "legacy", "xml"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'error-format'").hasMessageContaining("'xml'")
                .hasMessageContaining("'json'").hasMessageContaining("'problem'");
    }

    @Test
    void the_formats_survive_a_change_of_limits() {
        Policy policy = policy("p", "1/1s", "ietf", "problem").withLimits(Limit.parseAll("limits", "2/1s"));
        assertThat(policy.headerFormat()).isEqualTo(HeaderFormat.IETF);
        assertThat(policy.errorFormat()).isEqualTo(ErrorFormat.PROBLEM);
        assertThat(policy.describe()).contains("headers=ietf error-format=problem");
    }

    @Test
    void a_cached_denial_keeps_its_binding_limit_and_brings_its_reset_closer() {
        LocalDenyCache cache = new LocalDenyCache();
        Decision denial = Decision.denied(10, 0, 0, 10_000, DecisionSource.REDIS).boundBy(1, 10_000);
        cache.put("k", denial, 0);
        Decision again = cache.get("k", 4_000_000_000L);
        assertThat(again.limitIndex()).isEqualTo(1);
        assertThat(again.retryAfterMillis()).isEqualTo(6_000);
        assertThat(again.resetAfterMillis()).isEqualTo(6_000);
    }
}
