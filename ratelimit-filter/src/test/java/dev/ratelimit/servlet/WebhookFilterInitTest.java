package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import javax.servlet.ServletException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A webhook-scope filter with a bad or missing webhook param fails init naming it (no container). */
class WebhookFilterInitTest {

    private static Map<String, String> webhook(String... keyValues) {
        Map<String, String> params = new HashMap<>();
        params.put("limits", "10/1s");
        params.put("redis-url", "redis://127.0.0.1:1");
        params.put("scope", "webhook");
        for (int i = 0; i < keyValues.length; i += 2) {
            params.put(keyValues[i], keyValues[i + 1]);
        }
        return params;
    }

    @Test
    void fails_without_a_secret_naming_the_missing_param() {
        assertThatThrownBy(() -> new RateLimitFilter().init(FilterInitTest.config(webhook("webhook-scheme", "github"))))
                .isInstanceOf(ServletException.class)
                .hasMessageStartingWith("Rate-limit filter 'limit': Invalid value (not set) for parameter 'webhook-secret-env':")
                .hasMessageContaining("webhook-secret-property", "webhook-secret-file");
    }

    @Test
    void fails_when_the_named_variable_holds_no_secret() {
        assertThatThrownBy(() -> new RateLimitFilter().init(FilterInitTest.config(webhook("webhook-scheme", "github",
                "webhook-secret-env", "RATELIMIT_TEST_SURELY_UNSET"))))
                .hasMessage("Rate-limit filter 'limit': Invalid value 'RATELIMIT_TEST_SURELY_UNSET' for parameter"
                        + " 'webhook-secret-env': names that hold a secret, but none does"
                        + " (environment variable RATELIMIT_TEST_SURELY_UNSET not set or empty)");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "webhook-scheme|gitlab|'github', 'stripe' or 'generic'",
            "webhook-max-body|lots|a whole number of bytes",
            "webhook-tolerance|5 minutes|a whole number followed by ms, s, m, h or d",
    })
    void fails_on_a_bad_value_naming_param_value_and_rule(String param, String value, String accepted) {
        Map<String, String> params = webhook("webhook-scheme", "github", "webhook-secret-property", "java.version");
        params.put(param, value);
        assertThatThrownBy(() -> new RateLimitFilter().init(FilterInitTest.config(params)))
                .isInstanceOf(ServletException.class)
                .hasMessageStartingWith("Rate-limit filter 'limit': Invalid value '" + value + "' for parameter '" + param + "': ")
                .hasMessageContaining(accepted);
    }

    @Test
    void fails_on_a_scheme_without_scope_webhook() {
        Map<String, String> params = webhook("webhook-scheme", "github");
        params.put("scope", "api");
        assertThatThrownBy(() -> new RateLimitFilter().init(FilterInitTest.config(params)))
                .hasMessageContaining("Invalid value 'github' for parameter 'webhook-scheme': only with scope 'webhook'");
    }
}
