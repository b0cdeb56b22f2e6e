package dev.ratelimit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigParsingTest {

    @Test
    void reads_one_or_several_limits() {
        assertThat(Limit.parseAll("limits", "100/1m")).containsExactly(new Limit(100, 60_000));
        assertThat(Limit.parseAll("limits", "10/s, 1000/1h")).containsExactly(new Limit(10, 1_000), new Limit(1000, 3_600_000));
        assertThat(Limit.parseAll("limits", " 5 / 250ms ")).containsExactly(new Limit(5, 250));
        assertThat(Limit.parseAll("limits", "10/1s, 1000/1h").toString()).isEqualTo("[10/1s, 1000/1h]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "100", "0/1m", "100/0s", "-1/1m", "100/1w", "abc", "100/1m,", "1.5/1m"})
    void rejects_a_bad_limit_naming_the_param_and_the_rule(String text) {
        assertThatThrownBy(() -> Limit.parseAll("limits", text))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'limits'")
                .hasMessageContaining("N/duration");
    }

    @Test
    void reads_the_largest_limit_and_the_longest_window() {
        assertThat(Limit.parseAll("limits", "1000000000/1h")).containsExactly(new Limit(1_000_000_000L, 3_600_000));
        assertThat(Limit.parseAll("limits", "5/366d")).containsExactly(new Limit(5, 366L * 86_400_000));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1000000001/1h", "99999999999999999999/1h", "5/367d", "5/8785h", "5/999999999d"})
    void rejects_a_limit_over_the_bounds_naming_both_maxima(String text) {
        assertThatThrownBy(() -> Limit.parseAll("limits", text))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'limits'")
                .hasMessageContaining("'" + text + "'")
                .hasMessageContaining("1000000000")
                .hasMessageContaining("366d");
    }

    @Test
    void reads_durations() {
        assertThat(Durations.parseMillis("250ms")).isEqualTo(250);
        assertThat(Durations.parseMillis("30s")).isEqualTo(30_000);
        assertThat(Durations.parseMillis("2h")).isEqualTo(7_200_000);
        assertThat(Durations.parseMillis("soon")).isEqualTo(-1);
        assertThat(Durations.format(90_000)).isEqualTo("90s");
    }

    @Test
    void reads_algorithms_and_failure_modes() {
        assertThat(Algorithm.parse("algorithm", "Token-Bucket")).isEqualTo(Algorithm.TOKEN_BUCKET);
        assertThatThrownBy(() -> Algorithm.parse("algorithm", "leaky"))
                .hasMessage("Invalid value 'leaky' for parameter 'algorithm': 'fixed-window', 'token-bucket', 'sliding-window' or 'concurrency'");
        assertThat(FailureMode.parse("failure-mode", "local")).isEqualTo(FailureMode.LOCAL);
        assertThatThrownBy(() -> FailureMode.parse("failure-mode", "maybe"))
                .hasMessage("Invalid value 'maybe' for parameter 'failure-mode': 'open', 'closed' or 'local'");
    }

    @Test
    void concurrency_takes_one_limit_and_cost_1() {
        assertThat(Algorithm.parse("algorithm", "concurrency")).isEqualTo(Algorithm.CONCURRENCY);
        Policy.Builder concurrency = Policy.builder("c").algorithm(Algorithm.CONCURRENCY);
        assertThat(concurrency.limits(Limit.parseAll("limits", "5/30s")).build().limits()).containsExactly(new Limit(5, 30_000));
        assertThatThrownBy(() -> concurrency.limits(Limit.parseAll("limits", "5/30s, 50/1h")).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'limits'")
                .hasMessageContaining("one limit only with algorithm 'concurrency'");
        assertThatThrownBy(() -> concurrency.limits(Limit.parseAll("limits", "5/30s")).cost(2).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'cost'")
                .hasMessageContaining("1 with algorithm 'concurrency'");
    }

    @Test
    void concurrency_cannot_have_scope_webhook() {
        assertThatThrownBy(() -> Policy.builder("c").algorithm(Algorithm.CONCURRENCY).scope("webhook")
                .limits(Limit.parseAll("limits", "5/30s")).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("Invalid value 'concurrency' for parameter 'algorithm': 'fixed-window', 'token-bucket' or"
                        + " 'sliding-window' with scope 'webhook' (a delivery is verified and counted, not held in flight)");
        assertThat(Policy.builder("c").algorithm(Algorithm.SLIDING_WINDOW).scope("webhook")
                .limits(Limit.parseAll("limits", "5/30s")).build().scope()).isEqualTo("webhook");
    }

    @Test
    void concurrency_cannot_be_a_dry_run() {
        assertThatThrownBy(() -> Policy.builder("c").algorithm(Algorithm.CONCURRENCY).dryRun(true)
                .limits(Limit.parseAll("limits", "5/30s")).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'dry-run'").hasMessageContaining("'false' with algorithm 'concurrency'");
    }

    @Test
    void concurrency_answers_with_permits_left_and_its_own_code() {
        Policy policy = Policy.builder("c").algorithm(Algorithm.CONCURRENCY).limits(Limit.parseAll("limits", "5/30s")).build();
        Answer granted = RateLimitResponse.answer(PermitDecision.granted(5, 3, DecisionSource.REDIS), policy);
        assertThat(granted.refuses()).isFalse();
        assertThat(granted.headers()).containsExactly(java.util.Map.entry("X-RateLimit-Limit", "5"),
                java.util.Map.entry("X-RateLimit-Remaining", "3"));
        Answer denied = RateLimitResponse.answer(PermitDecision.denied(5, DecisionSource.REDIS), policy);
        assertThat(denied.status()).isEqualTo(429);
        assertThat(denied.headers()).containsEntry("Retry-After", "1").containsEntry("X-RateLimit-Remaining", "0");
        assertThat(denied.body()).contains("\"code\":\"CONCURRENCY_LIMIT_EXCEEDED\"");
        Answer closed = RateLimitResponse.answer(PermitDecision.denied(5, DecisionSource.BYPASS), policy);
        assertThat(closed.status()).isEqualTo(503);
        assertThat(closed.body()).contains("RATE_LIMITER_UNAVAILABLE");
    }

    @Test
    void fails_closed_for_webhook_and_admin_and_open_elsewhere() {
        assertThat(FailureMode.defaultFor("webhook")).isEqualTo(FailureMode.CLOSED);
        assertThat(FailureMode.defaultFor("admin")).isEqualTo(FailureMode.CLOSED);
        assertThat(FailureMode.defaultFor("api")).isEqualTo(FailureMode.OPEN);
        Policy webhook = Policy.builder("w").scope("webhook").limits(Limit.parseAll("limits", "5/1m")).build();
        assertThat(webhook.failureMode()).isEqualTo(FailureMode.CLOSED);
    }

    @Test
    void reads_key_parts() {
        List<KeyPart> parts = KeyPart.parseAll("key", "ip, header:X-Api-Key,route");
        assertThat(parts).extracting(Object::toString).containsExactly("ip", "header:x-api-key", "route");
        assertThat(parts.get(1).headerName()).isEqualTo("X-Api-Key");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ip,ip", "cookie", "header:", "header:bad name", "ip;route"})
    void rejects_bad_key_parts(String text) {
        assertThatThrownBy(() -> KeyPart.parseAll("key", text))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'key'")
                .hasMessageContaining("ip, user, header:NAME, tenant, route, method");
    }

    @Test
    void rejects_a_cost_above_the_smallest_limit() {
        assertThatThrownBy(() -> Policy.builder("p").limits(Limit.parseAll("limits", "3/1s, 100/1h")).cost(4).build())
                .hasMessage("Invalid value '4' for parameter 'cost': a whole number from 1 to the smallest limit's permits (3)");
    }

    @Test
    void rejects_two_limits_over_one_window() {
        assertThatThrownBy(() -> Policy.builder("p").limits(Limit.parseAll("limits", "3/1m, 5/60s")))
                .hasMessageContaining("'limits'").hasMessageContaining("different windows");
    }

    @Test
    void rejects_key_prefixes_that_would_break_hash_tags() {
        assertThatThrownBy(() -> Policy.builder("p").keyPrefix("rl{x}"))
                .hasMessageContaining("'key-prefix'").hasMessageContaining("no braces");
    }

    @Test
    void puts_the_application_name_in_place_of_the_context_placeholder() {
        assertThat(policyWithPrefix("ratelimit:{context}", "shop").keyPrefix()).isEqualTo("ratelimit:shop");
        assertThat(policyWithPrefix("rl-{context}", "ROOT").keyPrefix()).isEqualTo("rl-ROOT");
        assertThat(policyWithPrefix("rl:{context}", "api/v2#x").keyPrefix()).isEqualTo("rl:api_v2_x");
        assertThat(policyWithPrefix("plain", "shop").keyPrefix()).isEqualTo("plain");
    }

    @Test
    void rejects_the_context_placeholder_where_the_application_is_unknown() {
        assertThatThrownBy(() -> policyWithPrefix("ratelimit:{context}", null))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'key-prefix'").hasMessageContaining("{context} is known only to the Servlet filter");
    }

    private static Policy policyWithPrefix(String prefix, String application) {
        java.util.Map<String, String> params = java.util.Map.of("limits", "5/1m", "key-prefix", prefix);
        return PolicyParams.read(new ConfigParams(params::get), "p", application);
    }

    @Test
    void rejects_a_scope_that_is_not_a_word() {
        assertThatThrownBy(() -> Policy.builder("p").scope("a b"))
                .hasMessageContaining("'scope'");
    }
}
